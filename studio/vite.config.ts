// Studio build: `vite build studio` from the repository root (see package.json build:studio).
// The output goes straight into Hosting's public folder, served at /dashboard/.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/dashboard/",
  // No JSX plugin: esbuild compiles TSX with Preact's automatic runtime (tsconfig jsxImportSource).
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../hosting/public/dashboard",
    // The folder is outside this root, so Vite empties it only when told to; it is all ours.
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    // `vite studio` for UI work: API calls go to the local stack's Hosting emulator.
    proxy: Object.fromEntries(
      ["/api", "/jobs", "/createRunnerInstance", "/revokeRunnerInstance", "/updateRunnerInstance", "/health"].map(
        (p) => [p, "http://127.0.0.1:5000"],
      ),
    ),
  },
});
