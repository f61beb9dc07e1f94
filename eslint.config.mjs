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
 * here (cli/) and the top-level files plugin.ts and index.ts wire everything; log.ts is everyone's. options/
 * holds every option and its default: the folders that take resolved options import it for their types.
 * `protocol interface` means the top-level files of protocols/ (protocol-face.ts, ...), not a protocol's folder.
 */
const LAYERS = {
    model: [],
    options: ["model"],
    sqlite: ["model", "options"],
    recording: ["model", "protocol interface"],
    timeseries: ["model", "options", "sqlite"],
    liveness: ["model", "options", "sqlite", "vo-state", "protocol interface"],
    "vo-state": ["model", "options", "sqlite", "liveness", "protocol interface"],
    history: ["model", "timeseries", "vo-state"],
    proxy: ["model", "options"],
    health: ["model", "sqlite", "timeseries", "liveness", "vo-state"],
    metrics: ["model", "sqlite", "timeseries", "liveness", "vo-state"],
    dashboard: ["model", "history"],
    protocols: ["model", "options"],
};
const FOLDERS = [...Object.keys(LAYERS), "cli"];
const TOP_LEVEL = ["plugin", "index", "servient-augmentation"];
const PROTOCOLS = ["coap", "http", "mqtt", "websocket"];

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
        ignores: ["src/protocols/index.ts"],
        rules: layerRule(folder, allowed, 1),
    },
    // a folder's own subfolders (timeseries/sqlite, dashboard/client, ...) keep its rule; a protocol's has its own below
    ...(folder === "protocols"
        ? []
        : [{ files: [`src/${folder}/*/*.ts`, `src/${folder}/*/*.mts`], rules: layerRule(folder, allowed, 2) }]),
]);
// a protocol's folder: model/, options/, log and the protocol interface, never another protocol's folder
const protocolConfigs = PROTOCOLS.map((name) => ({
    files: [`src/protocols/${name}/**/*.ts`],
    rules: {
        "no-restricted-imports": [
            "error",
            {
                patterns: [
                    {
                        regex: `^\\.\\./\\.\\./${either([...FOLDERS.filter((f) => f !== "model" && f !== "options"), ...TOP_LEVEL])}(/|$)`,
                        message:
                            "a protocol's folder may import model/, options/, log and the protocol interface (docs/architecture.md)",
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
