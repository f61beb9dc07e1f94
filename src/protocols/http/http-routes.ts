/**
 * Deprecated: the former home of what now lives in http-server-internals.ts (HttpServerInternals),
 * http-target.ts (where a request goes, and the refusals filed under it) and http-answers.ts
 * (answerText, authorized). Import from those; this file goes once nothing imports it.
 */
export type { HttpServerInternals } from "./http-server-internals";
export { affordanceOf, operationOf, reportRefusal, targetOf } from "./http-target";
export type { HttpTarget } from "./http-target";
export { answerText, authorized } from "./http-answers";
