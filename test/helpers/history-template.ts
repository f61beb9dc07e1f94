/**
 * A `vo:history` form's href is an RFC 6570 template of its query (`.../history{?from,to,...}`); a TD
 * consumer expands it, here with the library node-wot's ConsumedThing expands form hrefs with (a
 * dependency of @node-wot/core).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const UriTemplate = require(require.resolve("uritemplate", { paths: [require.resolve("@node-wot/core")] })) as {
    parse(template: string): { expand(variables: Record<string, unknown>): string };
};

/** The href with the query's variables filled in; with none, the history resource's plain URL. */
export function expandHistory(href: string, variables: Record<string, unknown> = {}): string {
    return UriTemplate.parse(href).expand(variables);
}
