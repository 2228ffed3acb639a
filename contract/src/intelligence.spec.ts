import assert from "node:assert/strict";
import {
  layerProblem,
  MAX_INTELLIGENCE_FILE_BYTES,
  pathProblem,
  runnerConfigSchema,
  runnerProposalBody,
  fileContent,
} from "./intelligence";

describe("intelligence path and layer rules", () => {
  it("takes relative markdown paths", () => {
    for (const ok of ["CLAUDE.md", "agents/review.md", "a/b/c/d/e/f/g/h.md", "v1.2_notes-x.md"])
      assert.equal(pathProblem(ok), null, ok);
  });

  it("refuses escapes, absolute paths and odd characters", () => {
    for (const bad of [
      "",
      "../secrets.md",
      "a/../b.md",
      "./a.md",
      "a//b.md",
      "/etc/passwd.md",
      "C:/x.md",
      "a\\b.md",
      "a/b\u0000.md",
      "with space.md",
      "notes.txt",
      "a/b/c/d/e/f/g/h/i.md",
      `${"x".repeat(254)}.md`,
      "é.md",
    ])
      assert.notEqual(pathProblem(bad), null, JSON.stringify(bad));
  });

  it("knows the tenant layer and repo layers", () => {
    for (const ok of ["tenant", "repo:api", "repo:org/api-service", "repo:org/api.v2"])
      assert.equal(layerProblem(ok), null, ok);
    for (const bad of ["", "Tenant", "repo:", "repo:../x", "repo:a/b/c", "repo:org/..", "user:x", "repo:a b"])
      assert.notEqual(layerProblem(bad), null, bad);
  });

  it("caps a file at 256 KiB of UTF-8, not characters", () => {
    assert.equal(fileContent.safeParse("x".repeat(MAX_INTELLIGENCE_FILE_BYTES)).success, true);
    assert.equal(fileContent.safeParse("x".repeat(MAX_INTELLIGENCE_FILE_BYTES + 1)).success, false);
    assert.equal(fileContent.safeParse("é".repeat(MAX_INTELLIGENCE_FILE_BYTES / 2 + 1)).success, false);
  });

  it("a proposal carries content or a patch, exactly one", () => {
    const base = { runnerId: "r1", leaseToken: "t", path: "a.md", rationale: "why" };
    assert.equal(runnerProposalBody.safeParse({ ...base, content: "x" }).success, true);
    assert.equal(runnerProposalBody.safeParse({ ...base, patch: "@@ -1 +1 @@\n-a\n+b\n" }).success, true);
    assert.equal(runnerProposalBody.safeParse({ ...base }).success, false);
    assert.equal(runnerProposalBody.safeParse({ ...base, content: "x", patch: "p" }).success, false);
    assert.equal(runnerProposalBody.safeParse({ ...base, content: "x", path: "../a.md" }).success, false);
  });
});

describe("runner configuration schema", () => {
  it("takes MCP servers, aliases and plugins", () => {
    const config = {
      llm: { defaultProvider: "anthropic", aliases: { planning: "claude-sonnet-4-6" } },
      claudeCode: {
        mcpServers: {
          github: {
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-github"],
            env: { GITHUB_TOKEN: "${GITHUB_TOKEN}", LOG_LEVEL: "debug" },
          },
          docs: { type: "http", url: "https://mcp.example.com/mcp", headers: { Authorization: "${DOCS_MCP_AUTH}" } },
        },
      },
      plugins: { jira: { enabled: true, settings: { project: "OPS" } } },
      intelligence: { layers: ["tenant", "repo:org/api"] },
    };
    const parsed = runnerConfigSchema.safeParse(config);
    assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
  });

  it("refuses secrets in clear, unknown keys and bad URLs", () => {
    const mcp = (server: unknown) => ({ claudeCode: { mcpServers: { x: server } } });
    assert.equal(runnerConfigSchema.safeParse(mcp({ command: "x", env: { API_KEY: "sk-live-123" } })).success, false);
    assert.equal(
      runnerConfigSchema.safeParse(mcp({ type: "http", url: "https://x", headers: { Authorization: "Bearer abc" } }))
        .success,
      false,
    );
    assert.equal(runnerConfigSchema.safeParse(mcp({ type: "http", url: "file:///etc/passwd" })).success, false);
    assert.equal(runnerConfigSchema.safeParse({ surprise: true }).success, false);
    assert.equal(runnerConfigSchema.safeParse({ llm: { aliases: { "bad key!": "m" } } }).success, false);
  });
});
