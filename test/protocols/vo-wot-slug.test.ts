import { execFile } from "node:child_process";
import { expect } from "chai";
import { voWotSlug } from "../../src/protocols/vo-wot-slug";
import { voWotPythonFor } from "../helpers/vo-wot-python";

/** Names as Things and affordances have them; python-slugify (what wotpy2's url_name is) gives the truth. */
const NAMES = [
    "pump",
    "Water Pump",
    "Water  Pump",
    "Bob's Pump",
    'x"y',
    "a--b",
    "-edge-",
    "Ünïcode Näme",
    "1,000 units",
    "temperature_1",
    "CamelCase42",
    "über/straße",
];

describe("vo-wot's names (url_name) as python-slugify, which wotpy2 uses, gives them", function () {
    this.timeout(30_000);

    it("gives every name the slug python-slugify gives it", async function () {
        const python = voWotPythonFor(this);
        const script =
            "import json, sys\nfrom slugify import slugify\nprint(json.dumps([slugify(n) for n in json.load(sys.stdin)]))";
        const expected = await new Promise<string[]>((resolve, reject) => {
            const child = execFile(python, ["-c", script], { timeout: 20_000 }, (err, stdout) =>
                err === null ? resolve(JSON.parse(stdout) as string[]) : reject(err)
            );
            child.stdin!.end(JSON.stringify(NAMES));
        });
        expect(NAMES.map(voWotSlug)).to.deep.equal(expected);
    });
});
