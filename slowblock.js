const coap=require('coap');
const { continueBlock2ByRequest, keepContentFormat } = require('./dist/src/protocols/coap/node-coap-block2-continuation');
const delay=Number(process.argv[2]||200);
const body=Buffer.from(JSON.stringify({items:Array.from({length:1000},(_,i)=>({i,v:'x'.repeat(60)}))}));
const server=coap.createServer((req,res)=>{ keepContentFormat(res); setTimeout(()=>{ res.setOption('Content-Format','application/json'); res.end(body); }, delay); });
continueBlock2ByRequest(server);
server.listen(5699,'127.0.0.1',()=>{
  const {execFile}=require('child_process');
  const t=Date.now();
  execFile('coap-client-notls',['-v','7','-B','3','-o','/tmp/sb.out','coap://127.0.0.1:5699/x'],{timeout:20000},(err,so,se)=>{
    let n=0; try{n=require('fs').statSync('/tmp/sb.out').size; require('fs').rmSync('/tmp/sb.out');}catch{}
    console.log('delay',delay,'got',n,'of',body.length,'in',Date.now()-t,'ms', err?err.message.split('\n')[0]:'', se.toString().slice(0,300)); server.close(); });
});
