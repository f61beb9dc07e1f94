import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.join(__dirname, "..", "..", "..");

/** The text with fenced code blocks blanked and every inline code span's content masked (links stay where they are). */
function withoutCode(markdown: string): string {
    let fenced = false;
    const lines = markdown.split("\n").map((line) => {
        if (/^\s*(```|~~~)/.test(line)) {
            fenced = !fenced;
            return "";
        }
        return fenced ? "" : line;
    });
    return lines.join("\n").replace(/(`+)([\s\S]*?)\1/g, (_m, ticks: string, code: string) => {
        return ticks + code.replace(/[^\n]/g, "x") + ticks;
    });
}

/** GitHub's anchor of a heading's text: lowercase, punctuation but hyphens and underscores dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
    const text = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link in a heading anchors by its text
        .replace(/`/g, "")
        .replace(/\*/g, "")
        .trim()
        .toLowerCase();
    return text.replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 ... for repeated ones. */
export function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    let fenced = false;
    for (const line of markdown.split("\n")) {
        if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
        const heading = fenced ? null : /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (heading === null) continue;
        const slug = slugOf(heading[1]);
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return anchors;
}

/** The targets of a Markdown text's inline links and images, and of its link reference definitions. */
export function linksOf(markdown: string): string[] {
    const text = withoutCode(markdown);
    const targets: string[] = [];
    for (const m of text.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
        targets.push(m[1]);
    }
    for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(m[1]);
    return targets;
}

/** Every relative link of `file` that does not resolve: a missing file, or an anchor no heading of its file has. */
export function brokenLinks(file: string): string[] {
    const markdown = fs.readFileSync(file, "utf8");
    const broken: string[] = [];
    for (const target of linksOf(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http(s), mailto: not fetched
        const hash = target.indexOf("#");
        const linked = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
        const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
        const resolved = linked === "" ? file : path.resolve(path.dirname(file), linked);
        if (!fs.existsSync(resolved)) {
            broken.push(`${target}: no file ${path.relative(ROOT, resolved)}`);
            continue;
        }
        if (anchor === undefined) continue;
        if (!resolved.endsWith(".md")) {
            broken.push(`${target}: an anchor into a file that is not Markdown`);
        } else if (!anchorsOf(fs.readFileSync(resolved, "utf8")).has(anchor)) {
            broken.push(`${target}: no heading of ${path.relative(ROOT, resolved)} has the anchor #${anchor}`);
        }
    }
    return broken;
}

function documents(): string[] {
    const docs = path.join(ROOT, "docs");
    const inDocs = fs
        .readdirSync(docs)
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join(docs, f));
    return [path.join(ROOT, "README.md"), ...inDocs];
}

describe("the links of README.md and docs/*.md", function () {
    it("anchors headings as GitHub does", function () {
        expect(slugOf("Discovery: `/.well-known/wot` and the catalogue")).to.equal(
            "discovery-well-knownwot-and-the-catalogue"
        );
        expect(slugOf("The VO Thing's `history` action")).to.equal("the-vo-things-history-action");
        expect(slugOf("binding-mqtt 0.8.16 fixes")).to.equal("binding-mqtt-0816-fixes");
        expect(slugOf("Time-series schema (embedded store)")).to.equal("time-series-schema-embedded-store");
        expect([
            ...anchorsOf("# A\n\n## Notes\n\n```\n# not a heading\n```\n\n## Notes\n\n### Notes_1\n"),
        ]).to.deep.equal(["a", "notes", "notes-1", "notes_1"]);
    });

    it("names a missing file and a missing anchor, and lets a good link and an absolute URL pass", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-links-"));
        try {
            fs.writeFileSync(path.join(dir, "other.md"), "# Other\n\n## A part\n");
            const file = path.join(dir, "index.md");
            fs.writeFileSync(
                file,
                [
                    "# Index",
                    "[good](other.md#a-part), [self](#index), [web](https://example.org/none#x), `[code](gone.md)`",
                    "[no file](gone.md), [no anchor](other.md#b-part), [no heading here](#nowhere)",
                    "```",
                    "[in a fence](fenced.md)",
                    "```",
                ].join("\n")
            );
            expect(brokenLinks(file)).to.deep.equal([
                `gone.md: no file ${path.relative(ROOT, path.join(dir, "gone.md"))}`,
                `other.md#b-part: no heading of ${path.relative(ROOT, path.join(dir, "other.md"))} has the anchor #b-part`,
                `#nowhere: no heading of ${path.relative(ROOT, file)} has the anchor #nowhere`,
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("every relative link resolves: its file exists, its #anchor names a heading of that file", function () {
        const files = documents();
        expect(files.map((f) => path.relative(ROOT, f))).to.include.members(["README.md", "docs/guide.md"]);
        const broken = files.flatMap((f) => brokenLinks(f).map((b) => `${path.relative(ROOT, f)}: ${b}`));
        expect(broken, broken.join("\n")).to.deep.equal([]);
    });
});
