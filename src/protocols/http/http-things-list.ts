import type { ServerResponse } from "node:http";
import { ContentSerdes, Helpers } from "@node-wot/core";
import { uriHost } from "../../model/address";
import type { HttpServerInternals } from "./http-server-internals";
import { distinctThings } from "./http-thing-directory";

/**
 * binding-http 0.9.2 (routes/things.js, the same on node-wot master) answers `GET /` with the URL
 * of every Thing's TD, but walks its Map of Things with `for...in`, which sees no entries: `[]`.
 * The same list, from the Map's entries: one TD URL per Thing (the Map holds each Thing under its
 * title's slug and under its id; the first is the one listed) for every address the server
 * writes into TD forms, or its `baseUri`.
 */
export function answerThingList(server: HttpServerInternals, res: ServerResponse): void {
    const paths = distinctThings(() => server.getThings()).map(({ key }) => key);
    const bases =
        server.baseUri !== undefined
            ? [server.baseUri]
            : Helpers.getAddresses().map((address) => `${server.scheme}://${uriHost(address)}:${server.getPort()}`);
    const list: string[] = [];
    for (const base of bases) for (const path of paths) list.push(`${base}/${encodeURIComponent(path)}`);
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Content-Type", ContentSerdes.DEFAULT);
    res.writeHead(200);
    res.end(JSON.stringify(list));
}
