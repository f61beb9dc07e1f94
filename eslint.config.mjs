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
    }
);
