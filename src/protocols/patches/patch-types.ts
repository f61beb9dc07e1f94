/**
 * One replacement of a method (or a property) of an object the VO does not own: node-wot core, a
 * binding, node-coap, find-my-way (binding-http's router), ws, or node's http objects. Every one is
 * listed in `patch-registry.ts`; an upgrade of the package it was checked against is where it breaks.
 */
export interface Patch {
    /** unique, kebab-case: what the patch does, e.g. "http-bearer-check" */
    id: string;
    /** the npm package whose object is changed ("node:http" for node's own) */
    package: string;
    /** the versions it was checked against, as installed when it was written */
    versions: string;
    /** what is replaced, e.g. "binding-http HttpServer.prototype.handleRequest" */
    target: string;
    /** the constructor name of the object holding it at run time ("HttpServer", "CoAPServer", ...) */
    owner: string;
    /** the name of the method or property replaced */
    method: string;
    /**
     * - replaced: the method (or property) is replaced on an object, or on each instance, at run time
     * - override: a subclass of ours overrides it (the VO's own server or client class)
     */
    kind: "replaced" | "override";
    /** what it fixes or adds, in one line */
    fixes: string;
    /** the upstream issue or pull request, where one exists ("node-wot#1233", "obgm/libcoap#1595") */
    upstream?: string;
    /** the file that installs it, from the repository's root */
    file: string;
    /**
     * What the VO does when the target is missing (renamed by an upgrade): "warn" says so once and runs
     * with upstream's behaviour; "error" refuses to start, where running without the patch would be wrong.
     */
    missing: "warn" | "error";
    /** why that choice */
    why: string;
    /** the object the target must exist on (usually a prototype), checked at start-up; absent when per instance only */
    holder?: () => object | undefined;
}
