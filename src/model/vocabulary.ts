/**
 * The TD terms of node-wot-vo's own vocabulary, under the prefix `vo` in a served TD's `@context`.
 * `vo:history` on an affordance: where its recorded history is served, as forms without an `op`
 * (`{ href, contentType, "htv:methodName"? }[]`, read with GET). The same resources are listed in the TD's
 * `links`, with the relation type `HISTORY_REL` and the affordance as the link's anchor.
 */
export const VO_VOCABULARY = "urn:node-wot-vo:vocabulary#";
export const VO_PREFIX = "vo";
export const HISTORY_TERM = `${VO_PREFIX}:history`;
/** An extension relation type (RFC 8288 section 2.1.2: a URI) for links to a history resource. */
export const HISTORY_REL = `${VO_VOCABULARY}history`;
