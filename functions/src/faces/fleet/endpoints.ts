// The seed 004 routes (fleet/task API), gathered for index.ts.
export { listRunners, getRunner, registerRunner, heartbeat, deregisterRunner } from "./runners";
export { queueTask, claimTasks, updateTaskStatus, appendLogs, submitResult } from "./tasks";
