/**
 * The TD terms of node-wot-vo's own vocabulary, under the prefix `vo` in a served TD's `@context`.
 * `vo:history` on an affordance: where its recorded history is served (`{ href, contentType }[]`).
 */
export const VO_VOCABULARY = "urn:node-wot-vo:vocabulary#";
export const VO_PREFIX = "vo";
export const HISTORY_TERM = `${VO_PREFIX}:history`;
