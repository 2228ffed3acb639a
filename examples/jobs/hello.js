// A jobs-API job (type "hello"): params arrive as JSON on stdin; each line printed is a log line
// the job's stream shows; files matching the config's "outputs" become artifacts; the last stdout
// line, when it is JSON, is the job's result.
const fs = require("node:fs");

const params = JSON.parse(fs.readFileSync(0, "utf8"));
const name = typeof params.name === "string" ? params.name : "world";
console.log(`hello, ${name}, from job ${process.env.RUNNER_JOB_ID}`);
fs.mkdirSync("out", { recursive: true });
fs.writeFileSync("out/greeting.txt", `hello, ${name}\n`);
console.log(JSON.stringify({ greeting: `hello, ${name}` }));
