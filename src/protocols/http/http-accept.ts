/**
 * The `Accept` request header as RFC 9110 (section 12.5.1) reads it: a list of media ranges
 * (`type/subtype`, `type/*`, `*\/*`), each with an optional weight `q` from 0 to 1 (default 1).
 * An offered type takes the weight of the most specific range that matches it; `q=0` refuses it.
 */

interface MediaRange {
    type: string;
    subtype: string;
    /** 0 for `*\/*`, 1 for `type/*`, 2 for `type/subtype`, +1 with parameters other than q */
    specificity: number;
    q: number;
}

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseAccept(header: string): MediaRange[] {
    const ranges: MediaRange[] = [];
    for (const part of header.split(",")) {
        const [range, ...params] = part.split(";");
        const [type, subtype] = range.trim().toLowerCase().split("/");
        if (!type || !subtype || (type === "*" && subtype !== "*")) continue; // not a media range
        let q = 1;
        let otherParams = false;
        let valid = true;
        for (const param of params) {
            const eq = param.indexOf("=");
            const key = param
                .slice(0, eq < 0 ? undefined : eq)
                .trim()
                .toLowerCase();
            if (key === "q") {
                const value = eq < 0 ? "" : param.slice(eq + 1).trim();
                if (!QVALUE.test(value)) valid = false;
                q = Number(value);
                break; // what follows q are accept-ext parameters, not the range's
            }
            if (key !== "") otherParams = true;
        }
        if (!valid) continue; // a malformed weight: the range is ignored rather than guessed at
        const specificity = (type === "*" ? 0 : subtype === "*" ? 1 : 2) + (otherParams ? 1 : 0);
        ranges.push({ type, subtype, specificity, q });
    }
    return ranges;
}

/** The weight `ranges` give `mediaType` (lower case, no parameters): that of its most specific match, or 0. */
function weightOf(ranges: MediaRange[], mediaType: string): number {
    const slash = mediaType.indexOf("/");
    const type = mediaType.slice(0, slash);
    const subtype = mediaType.slice(slash + 1);
    let best = -1;
    let q = 0;
    for (const r of ranges) {
        const matches = r.type === "*" || (r.type === type && (r.subtype === "*" || r.subtype === subtype));
        if (matches && r.specificity > best) {
            best = r.specificity;
            q = r.q;
        }
    }
    return q;
}

/**
 * Which of `offered` (media types without parameters, the server's preference first) to answer
 * with for this `Accept` header: the one with the highest weight, the first offered among equals;
 * undefined when every offered type weighs 0 (answer 406). No header, or an empty one, accepts
 * anything: the first offered.
 */
export function chooseMediaType(accept: string | undefined, offered: readonly string[]): string | undefined {
    if (accept === undefined || accept.trim() === "") return offered[0];
    const ranges = parseAccept(accept);
    if (ranges.length === 0) return offered[0]; // nothing readable in it: as if absent
    let chosen: string | undefined;
    let chosenQ = 0;
    for (const type of offered) {
        const q = weightOf(ranges, type.toLowerCase());
        if (q > chosenQ) {
            chosen = type;
            chosenQ = q;
        }
    }
    return chosen;
}
