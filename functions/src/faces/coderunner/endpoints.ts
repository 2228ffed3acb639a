// Seed 000 (Coderunner) routes, gathered for index.ts.
export {
  createDefinition,
  uploadFile,
  listVersions,
  getVersion,
  deleteVersion,
  createDeployment,
  getDeployment,
  runOnetime,
  invokeDeployment,
  getExecution,
} from "./upstream";
export {
  mintRunnerKey,
  revokeRunnerKey,
  leaseExecutions,
  heartbeatExecution,
  downloadExecutionBundle,
  completeExecution,
  failExecution,
} from "./runner";
export {
  proxyDefinition,
  proxyUpload,
  proxyVersions,
  proxyGetVersion,
  proxyDeleteVersion,
  proxyDeploy,
  proxyRun,
} from "./proxy";
export { readCodeOverview } from "./overview";
