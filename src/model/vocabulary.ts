/**
 * The TD terms of node-wot-vo's own vocabulary, under the prefix `vo` in a served TD's `@context`.
 * `vo:history` on an affordance: where its recorded history is served, as forms without an `op`
 * (`{ href, contentType, "htv:methodName"? }[]`, read with GET), each href an RFC 6570 template of the
 * query (`.../history{?from,to,...}`) whose variables `vo:historyUriVariables` describes beside it, as
 * `uriVariables` describes those of an affordance's `forms`. The same resources are listed in the TD's
 * `links`, with the relation type `HISTORY_REL` and the affordance as the link's anchor.
 */
export const VO_VOCABULARY = "urn:node-wot-vo:vocabulary#";
export const VO_PREFIX = "vo";
export const HISTORY_TERM = `${VO_PREFIX}:history`;
export const HISTORY_VARIABLES_TERM = `${VO_PREFIX}:historyUriVariables`;
/** An extension relation type (RFC 8288 section 2.1.2: a URI) for links to a history resource. */
export const HISTORY_REL = `${VO_VOCABULARY}history`;
