import { getJson } from "./api.mjs";

/** What the page shows of one affordance: its name, kind, type and its history resource. */
export interface Affordance {
    kind: "property" | "action" | "event";
    name: string;
    /** the JSON Schema type the TD gives (a property's own, an event's data) */
    type?: string;
    enum?: unknown[];
    /** the TD's unit ("degree Celsius") and range, for a plot's axis */
    unit?: string;
    minimum?: number;
    maximum?: number;
    /** the HTTP JSON history resource the TD names (vo:history) */
    history?: string;
    /** the HTTP JSON readproperty form */
    read?: string;
}

export interface ThingView {
    /** the path segment the server serves it under */
    key: string;
    id: string;
    title: string;
    isVoStatus: boolean;
    affordances: Affordance[];
}

interface Form {
    href: string;
    contentType?: string;
    op?: string | string[];
}

type TdAffordance = {
    type?: string;
    unit?: string;
    minimum?: number;
    maximum?: number;
    enum?: unknown[];
    data?: { type?: string };
    forms?: Form[];
    "vo:history"?: Form[];
};

interface Td {
    id?: string;
    title: string;
    properties?: Record<string, TdAffordance>;
    actions?: Record<string, TdAffordance>;
    events?: Record<string, TdAffordance>;
}

const isHttpJson = (f: Form) => /^https?:/.test(f.href) && (f.contentType ?? "application/json") === "application/json";

/** A history href is a template of its query (`.../history{?from,...}`): with no variable given, the plain URL. */
const withoutQueryTemplate = (href: string | undefined) => href?.replace(/\{\?[^}]*\}$/, "");

function readForm(a: TdAffordance): string | undefined {
    const ops = (f: Form) => (Array.isArray(f.op) ? f.op : [f.op ?? "readproperty"]);
    return a.forms?.find((f) => isHttpJson(f) && ops(f).includes("readproperty"))?.href;
}

function affordancesOf(td: Td): Affordance[] {
    const out: Affordance[] = [];
    const add = (kind: Affordance["kind"], map: Record<string, TdAffordance> | undefined) => {
        for (const [name, a] of Object.entries(map ?? {})) {
            out.push({
                kind,
                name,
                type: kind === "event" ? a.data?.type : a.type,
                enum: a.enum,
                unit: typeof a.unit === "string" ? a.unit : undefined,
                minimum: typeof a.minimum === "number" ? a.minimum : undefined,
                maximum: typeof a.maximum === "number" ? a.maximum : undefined,
                history: withoutQueryTemplate(a["vo:history"]?.find(isHttpJson)?.href),
                read: kind === "property" ? readForm(a) : undefined,
            });
        }
    };
    add("property", td.properties);
    add("action", td.actions);
    add("event", td.events);
    return out;
}

/** Every Thing the server lists at its root, each read from its own TD. */
export async function loadThings(): Promise<ThingView[]> {
    const urls = await getJson<string[]>("/");
    const byPath = new Map<string, string>(); // listed once per address the server has: read once
    for (const href of urls) {
        const path = new URL(href, location.href).pathname;
        if (!byPath.has(path)) byPath.set(path, href);
    }
    const things = await Promise.all(
        [...byPath].map(async ([path, href]) => {
            const td = await getJson<Td>(href);
            return {
                key: decodeURIComponent(path.slice(1)),
                id: td.id ?? "",
                title: td.title,
                isVoStatus: td.id === "urn:node-wot-vo:status",
                affordances: affordancesOf(td),
            };
        })
    );
    return things.sort((a, b) => a.title.localeCompare(b.title)); // found by name in a long list
}
