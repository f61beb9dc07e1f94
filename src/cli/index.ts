/** The CLI's library face, `require("node-wot-vo/cli")`: kept apart so the library does not load YAML and the descriptor schema. */
export { runVo, RunVoOptions, RunningVo, InvalidRunError } from "./run-vo";
export {
    loadDescriptor,
    loadDescriptorReport,
    parseDescriptor,
    readDescriptor,
    RunConfig,
    DescriptorError,
    DescriptorProblem,
    DescriptorReport,
} from "./descriptor";
export { migrateDescriptor } from "./migrate";
export { parseHistoryCommand, runHistoryCommand, HistoryCommand, HistoryCommandError } from "./history-command";
export { KeyMapping, Dialect } from "./vo-wot-descriptor";
export { validateThingDescription, loadThingDescription, InvalidThingDescriptionError } from "./td-validation";
export { VoScript, VoScriptContext, VoScriptProperty, VoScriptError } from "./vo-script";
