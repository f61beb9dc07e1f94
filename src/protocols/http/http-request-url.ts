/**
 * A request's URL as every resource of this folder reads it, and as binding-http's router (find-my-way)
 * reads it: the path as sent, up to the first "?" (no dot segment resolved), taken apart at "/" with a
 * trailing slash ignored; each segment percent-decoded on its own. A path that is not percent-decodable
 * names nothing (no Thing's, no file's): the caller answers it as not found or as a bad request.
 */

/** The path of a request URL, without its query ("/" when the request has none). */
export function requestPath(url: string | undefined): string {
    if (url === undefined) return "/";
    const q = url.indexOf("?");
    return q < 0 ? url : url.slice(0, q);
}

/** The query of a request URL, as URLSearchParams reads it (empty when there is none). */
export function requestQuery(url: string | undefined): URLSearchParams {
    const q = url === undefined ? -1 : url.indexOf("?");
    return new URLSearchParams(q < 0 ? "" : url!.slice(q + 1));
}

/**
 * The segments of a path as sent, the empty one before its first "/" included ("/a/b" gives "", "a",
 * "b"); a trailing slash is ignored, as find-my-way ignores it, except in "/" itself.
 */
export function pathSegments(path: string): string[] {
    const segments = path.split("/");
    if (segments[segments.length - 1] === "" && segments.length > 2) segments.pop();
    return segments;
}

/** A path, or a part of one, percent-decoded; undefined when it is not percent-decodable ("%ZZ"). */
export function decodePath(part: string): string | undefined {
    try {
        return decodeURIComponent(part);
    } catch {
        return undefined;
    }
}
