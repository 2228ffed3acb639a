// Type-aware lint for every TypeScript file in the repository.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "functions/lib/**",
      "emulator-data/**",
      "**/dist/**",
      "bench/results/**",
      "hosting/public/dashboard/**",
      ".runnerplane/**",
      "eslint.config.mjs",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["**/*.spec.ts", "test/**/*.ts"],
    rules: {
      // chai-less assertions via node:assert; mocha's `this` and dynamic fixtures stay typed.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // Stored types and collection accessors (data/) stand on their own: core builds on them,
    // never the other way round (issue 16 item 7).
    files: ["functions/src/data/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/core/**"], message: "data/ imports nothing from core/." }] },
      ],
    },
  },
  {
    // The example job scripts are plain CommonJS for node, as a user would write them.
    files: ["examples/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: "commonjs",
      parserOptions: { projectService: false, project: null },
      globals: { require: "readonly", process: "readonly", console: "readonly" },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off" },
  },
);
