import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeGlobals = {
    require: "readonly",
    module: "writable",
    process: "readonly",
    console: "readonly",
    __dirname: "readonly",
    Buffer: "readonly",
    setInterval: "readonly",
    clearInterval: "readonly",
};

/**
 * Which folder of src/ may import which (docs/architecture.md): imports point down this table. A folder not named
 * here (cli/) and the top-level files plugin.ts, config.ts and index.ts wire everything; log.ts is everyone's.
 * `protocol interface` means the top-level files of protocols/ (protocol-face.ts, ...), not a protocol's folder.
 */
const LAYERS = {
    model: [],
    sqlite: ["model"],
    recording: ["model", "protocol interface"],
    timeseries: ["model", "sqlite"],
    liveness: ["model", "sqlite", "vo-state", "protocol interface"],
    "vo-state": ["model", "sqlite", "liveness", "protocol interface"],
    history: ["model", "timeseries", "vo-state"],
    proxy: ["model", "protocol interface"],
    health: ["model", "sqlite", "timeseries", "liveness", "vo-state"],
    metrics: ["model", "sqlite", "timeseries", "liveness", "vo-state"],
    dashboard: ["model", "history"],
    protocols: ["model"],
};
const FOLDERS = [...Object.keys(LAYERS), "cli"];
const TOP_LEVEL = ["plugin", "config", "index", "servient-augmentation"];
const PROTOCOLS = ["coap", "http", "mqtt", "websocket"];

/** Imports that break the table, known when it came in: each file may only lose its line. */
const KNOWN_CROSSINGS = [
    "src/proxy/device-proxy.ts", // records through recording/, reads vo-state and timeseries
];

const either = (names) => `(${names.join("|")})`; // folder names: letters and hyphens only

/** The no-restricted-imports rule of one layer; `depth` is how many `../` reach src/ from its files. */
function layerRule(folder, allowed, depth) {
    const up = "\\.\\./".repeat(depth);
    const forbidden = FOLDERS.filter((f) => f !== folder && f !== "protocols" && !allowed.includes(f));
    const patterns = [
        {
            regex: `^${up}${either([...forbidden, ...TOP_LEVEL])}(/|$)`,
            message: `${folder}/ may import ${allowed.join(", ") || "nothing of ours but log"} (docs/architecture.md)`,
        },
    ];
    if (!allowed.includes("protocol interface") && folder !== "protocols") {
        patterns.push({
            regex: `^${up}protocols(/|$)`,
            message: `${folder}/ may not import protocols/ (docs/architecture.md)`,
        });
    } else if (folder !== "protocols") {
        patterns.push({
            regex: `^${up}protocols/${either(PROTOCOLS)}(/|$)`,
            message: `${folder}/ may import the protocol interface, not a protocol's folder`,
        });
    }
    return { "no-restricted-imports": ["error", { patterns }] };
}

const layerConfigs = Object.entries(LAYERS).flatMap(([folder, allowed]) => [
    {
        files: [`src/${folder}/*.ts`, `src/${folder}/*.mts`],
        ignores: [...KNOWN_CROSSINGS, "src/protocols/index.ts"],
        rules: layerRule(folder, allowed, 1),
    },
]);
// a protocol's folder: model/, log and the protocol interface, never another protocol's folder
const protocolConfigs = PROTOCOLS.map((name) => ({
    files: [`src/protocols/${name}/**/*.ts`],
    ignores: KNOWN_CROSSINGS,
    rules: {
        "no-restricted-imports": [
            "error",
            {
                patterns: [
                    {
                        regex: `^\\.\\./\\.\\./${either([...FOLDERS.filter((f) => f !== "model"), ...TOP_LEVEL])}(/|$)`,
                        message:
                            "a protocol's folder may import model/, log and the protocol interface (docs/architecture.md)",
                    },
                    {
                        regex: `^\\.\\./${either(PROTOCOLS.filter((p) => p !== name))}(/|$)`,
                        message: "a protocol's folder does not import another protocol's",
                    },
                ],
            },
        ],
    },
}));

export default tseslint.config(
    { ignores: ["dist/", "node_modules/", "data/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "no-console": "error",
        },
    },
    {
        files: ["examples/**/*.ts", "bench/**/*.ts", "test/**/*.ts"],
        rules: { "no-console": "off" },
    },
    {
        files: ["scripts/**/*.js", "examples/**/*.js"],
        languageOptions: { sourceType: "commonjs", globals: nodeGlobals },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    ...layerConfigs,
    ...protocolConfigs
);
