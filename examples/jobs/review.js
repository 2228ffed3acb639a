// A fleet review task (seed 004): the task arrives as JSON on stdin (repository, commit, files);
// one log line per file, then the review result as the last stdout line.
const fs = require("node:fs");

const task = JSON.parse(fs.readFileSync(0, "utf8"));
for (const file of task.files) console.log(`reviewed ${file.path} (${file.status})`);
const files = task.files.map((file) => ({ path: file.path, comments: [] }));
console.log(JSON.stringify({ files, totalComments: 0, rating: "A", metrics: { files: files.length } }));
