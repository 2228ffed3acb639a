/**
 * The project's HTTPS exports served from one child process of the bench, over the stack's
 * Firestore and Auth emulator (`test/harness/inProcess.ts`, routed by firebase.json's rewrites).
 *
 * Why: the functions emulator serves one request per worker process, so N waiting lease calls
 * need N workers, and cold-booting tens of them on two cores takes minutes (Hosting's proxy
 * answers 504 after 60 s). One process serving every call is what one production instance does
 * (the lease functions run with `LONG_POLL`: 250 requests at once). A child, not the bench's own
 * process, so the server's event loop is not the one timing the calls.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildFunctions {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

const READY = "bench-functions-ready ";

/** Starts the child and waits until it listens (at most `timeoutMs`). */
export async function startFunctionsInChild(timeoutMs = 120_000): Promise<ChildFunctions> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, __filename, "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env },
  });
  const stdout = child.stdout;
  if (stdout === null || child.pid === undefined) throw new Error("could not start the functions child");
  const pid = child.pid;
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("functions child did not listen in time")), timeoutMs);
    child.once("exit", (code) => reject(new Error(`functions child exited (${code}) before listening`)));
    createInterface({ input: stdout }).on("line", (line) => {
      if (line.startsWith(READY)) {
        clearTimeout(timer);
        resolve(line.slice(READY.length).trim());
      }
    });
  });
  return {
    base,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function serve(): Promise<void> {
  // As the bench's own process: deployed functions run plain JS, without source-mapped stacks.
  process.setSourceMapsEnabled(false);
  const { serveFunctionsInProcess } = await import("../../test/harness/inProcess");
  const served = await serveFunctionsInProcess();
  process.stdout.write(`${READY}${served.base}\n`);
  process.on("SIGTERM", () => {
    void served.stop().then(() => process.exit(0));
  });
}

if (process.argv.includes("--serve")) void serve();
