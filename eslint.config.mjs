// Lint rules: typescript-eslint's recommended set, plus the few that keep data-plane code honest.
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".cache/", ".pulumi-state/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
      eqeqeq: ["error", "always"],
      "no-console": "error",
    },
  },
  {
    // One import direction: contract at the bottom, then each service's settings and specs, config, components, stacks.
    plugins: { "import-x": importX },
    settings: { "import-x/extensions": [".ts"], "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json", ".node"] })] },
    rules: { "import-x/no-cycle": "error" },
  },
  {
    files: ["**/*.test.ts", "**/*.itest.ts", "test/**", "bench/**", "scripts/**"],
    rules: { "no-console": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
