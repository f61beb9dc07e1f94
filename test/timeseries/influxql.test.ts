import { expect } from "chai";
import {
    aggregate,
    anyOf,
    bindParams,
    column,
    durationLiteral,
    fieldIsTrue,
    literal,
    quoteIdent,
    quoteString,
    selectStatement,
    tagEquals,
    tagIsSet,
    tagNotEquals,
    timeLiteral,
    timeRange,
} from "../../src/timeseries/influxdb/influxql";

/**
 * InfluxQL's own scanner for a quoted string or identifier (influxql/scanner.go, ScanString), ported: the text
 * from the opening quote to the closing one, unescaped; throws where InfluxDB answers "bad string" / "bad escape".
 * Returns the text and the index after the closing quote.
 */
function scanQuoted(text: string, start = 0): { value: string; end: number } {
    const ending = text[start];
    let value = "";
    for (let i = start + 1; i < text.length; i++) {
        const c = text[i];
        if (c === ending) return { value, end: i + 1 };
        if (c === "\n") throw new Error("bad string");
        if (c === "\\") {
            const next = text[++i];
            const unescaped = { n: "\n", "\\": "\\", '"': '"', "'": "'" }[next];
            if (unescaped === undefined) throw new Error(`bad escape \\${next}`);
            value += unescaped;
        } else {
            value += c;
        }
    }
    throw new Error("bad string: no closing quote");
}

/** Strings of the characters that break quoting, mixed with any Unicode, from a fixed seed. */
function hostileStrings(n: number): string[] {
    const pieces = ["'", '"', "\\", "\n", "\r", "\t", "\0", " ", ",", "=", "$x", "--", "/*", "ü", "✓", "😀", "OR", "a"];
    let x = 0x1badd00d;
    const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 2 ** 32;
    };
    return Array.from({ length: n }, () =>
        Array.from({ length: Math.floor(next() * 12) }, () => pieces[Math.floor(next() * pieces.length)]).join("")
    );
}

describe("InfluxQL statements", function () {
    it("quotes identifiers and strings so InfluxQL's scanner reads back exactly the text, whatever it holds", function () {
        const samples = [
            "",
            "plain",
            "SELECT",
            "time",
            'a "quoted" name',
            "it's",
            "back\\slash\\",
            "line\nbreak",
            "crlf\r\n",
            "\\n",
            "ü ✓ 😀",
            ...hostileStrings(2000),
        ];
        for (const s of samples) {
            for (const quoted of [quoteIdent(s), quoteString(s)]) {
                expect(quoted, JSON.stringify(s)).to.not.include("\n");
                const { value, end } = scanQuoted(quoted);
                expect(value, JSON.stringify(s)).to.equal(s);
                expect(end, JSON.stringify(s)).to.equal(quoted.length);
            }
        }
        expect(quoteIdent('a"b\\c\nd')).to.equal('"a\\"b\\\\c\\nd"');
        expect(quoteString("a'b\\c\nd\re")).to.equal("'a\\'b\\\\c\\nd\re'");
        expect(quoteIdent("it's")).to.equal(`"it's"`); // the other quote needs no escape
        expect(quoteString('say "x"')).to.equal(`'say "x"'`);
    });

    it("writes times as integer nanoseconds within what InfluxDB holds, durations in their largest exact unit", function () {
        expect(timeLiteral(1_767_225_600_000_000_123n)).to.equal("1767225600000000123");
        expect(timeLiteral(-5n)).to.equal("-5");
        expect(timeLiteral(10n ** 20n)).to.equal("9223372036854775806");
        expect(timeLiteral(-(10n ** 20n))).to.equal("-9223372036854775806");
        expect(timeRange(0n, 10n)).to.satisfy((c: object) => String(c) === "time >= 0 AND time < 10");
        const cases: [bigint, string][] = [
            [10_000_000_000n, "10s"],
            [604_800_000_000_000n, "1w"],
            [86_400_000_000_000n * 3n, "3d"],
            [5_400_000_000_000n, "90m"],
            [1_500_000_000n, "1500ms"],
            [1_000n, "1u"],
            [1_001n, "1001ns"],
        ];
        for (const [ns, text] of cases) expect(durationLiteral(ns), `${ns}`).to.equal(text);
        expect(() => durationLiteral(0n)).to.throw(RangeError);
    });

    it("builds SELECT statements of the subset: projections, predicates, windows, order, limit with offset", function () {
        const raw = selectStatement({
            select: [column("value_num"), column("op")],
            from: 'urn:x"y',
            where: [
                timeRange(0n, 1_000n),
                tagEquals("name", "p'q"),
                anyOf([tagEquals("op", "readproperty"), tagEquals("op", "writeproperty")]),
                tagNotEquals("op", "observeproperty"),
                tagIsSet("value_type"),
            ],
            newestFirst: true,
            limit: 10,
            offset: 20,
        });
        expect(raw).to.equal(
            `SELECT "value_num", "op" FROM "urn:x\\"y" WHERE time >= 0 AND time < 1000 AND "name" = 'p\\'q'` +
                ` AND ("op" = 'readproperty' OR "op" = 'writeproperty') AND "op" != 'observeproperty'` +
                ` AND "value_type" != '' ORDER BY time DESC LIMIT 10 OFFSET 20`
        );
        const windows = selectStatement({
            select: [aggregate("sum", "value_num"), aggregate("count", "value_num")],
            from: "m",
            where: [timeRange(0n, 60_000_000_000n), fieldIsTrue("value_bool")],
            groupByTimeNs: 10_000_000_000n,
            limit: 1000,
        });
        expect(windows).to.equal(
            `SELECT sum("value_num"), count("value_num") FROM "m" WHERE time >= 0 AND time < 60000000000` +
                ` AND "value_bool" = true GROUP BY time(10s) fill(none) LIMIT 1000`
        );
        expect(anyOf([tagEquals("op", "a")]).toString()).to.equal(`"op" = 'a'`);
        expect(() => anyOf([])).to.throw(RangeError);
        expect(() => selectStatement({ select: [column("a")], from: "m", where: [], offset: 5 })).to.throw(
            /only sent with a LIMIT/
        );
        expect(() => selectStatement({ select: [column("a")], from: "m", where: [], limit: 0 })).to.throw(RangeError);
        expect(() => selectStatement({ select: [], from: "m", where: [] })).to.throw(RangeError);
    });

    it("binds a script's $parameters as literals, leaving quoted text and comments alone", function () {
        const statement =
            `SELECT "$notme" FROM "m" WHERE "name" = $name AND '$quoted' != $n -- $comment it's\n` +
            `AND time >= $from /* $block */ AND "ok" = $ok LIMIT $limit`;
        expect(
            bindParams(statement, {
                name: "it's \\ a\nname",
                n: -1.5,
                from: new Date(Date.UTC(2026, 0, 1)),
                ok: true,
                limit: 10n,
            })
        ).to.equal(
            `SELECT "$notme" FROM "m" WHERE "name" = 'it\\'s \\\\ a\\nname' AND '$quoted' != -1.5 -- $comment it's\n` +
                `AND time >= '2026-01-01T00:00:00.000Z' /* $block */ AND "ok" = true LIMIT 10`
        );
        expect(() => bindParams("SELECT * FROM m WHERE a = $a", {})).to.throw(/no value for \$a/);
        expect(() => bindParams("SELECT * FROM m", { a: 1 })).to.throw(/not in the statement: a/);
        expect(() => bindParams("SELECT $ FROM m", {})).to.throw(SyntaxError);
        expect(bindParams(`SELECT * FROM "a\\"$b"`)).to.equal(`SELECT * FROM "a\\"$b"`);
    });

    it("writes numbers without exponents, which InfluxQL cannot read", function () {
        const cases: [number, string][] = [
            [0, "0"],
            [42, "42"],
            [-1.5, "-1.5"],
            [1e21, "1000000000000000000000"],
            [1.5e22, "15000000000000000000000"],
            [1e-7, "0.0000001"],
            [-1.25e-8, "-0.0000000125"],
            [5e-324, `0.${"0".repeat(323)}5`],
        ];
        for (const [n, text] of cases) {
            expect(literal(n), `${n}`).to.equal(text);
            expect(Number(text)).to.equal(n);
        }
        expect(() => literal(NaN)).to.throw(RangeError);
        expect(() => literal(new Date(NaN))).to.throw(TypeError);
        expect(() => literal({} as unknown as string)).to.throw(TypeError);
    });
});
