// A workspace generation (seed 001): the workspace's context arrives as JSON on stdin; the answer
// is an assistant message and the deliverable files it refers to.
const fs = require("node:fs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const title = input.context.title;
process.stdout.write(
  JSON.stringify({
    assistantMessage: `Here is a plan for ${title} {{artifact:file:plan.md}}`,
    files: [{ name: "plan.md", content: `# ${title}\n\n1. Read the brief.\n2. Build it.\n3. Ship it.\n` }],
  }),
);
