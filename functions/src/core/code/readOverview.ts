import {
  definitionsOfTenant,
  deploymentsOfDefinition,
  versionsOfDefinition,
  type DefinitionDoc,
  type DeploymentDoc,
  type VersionDoc,
} from "../../data/code";
import { recentJobsOfQueue } from "../../data/jobs";
import type { JobDoc } from "../jobs/model";
import { executionQueue } from "./model";

export { MAX_OVERVIEW_DEFINITIONS, MAX_OVERVIEW_EXECUTIONS } from "../../../../contract/src/coderunner";
/** Most versions and deployments shown per definition: the newest, which are the ones people act on. */
export const OVERVIEW_VERSIONS_PER_DEFINITION = 10;
export const OVERVIEW_DEPLOYMENTS_PER_DEFINITION = 10;

export interface Stored<T> {
  id: string;
  doc: T;
}

export interface DefinitionOverview extends Stored<DefinitionDoc> {
  versions: Stored<VersionDoc>[];
  deployments: Stored<DeploymentDoc>[];
}

export interface TenantOverview {
  definitions: DefinitionOverview[];
  /** More definitions exist than were listed. */
  moreDefinitions: boolean;
  executions: Stored<JobDoc>[];
  /** More executions exist than were listed. */
  moreExecutions: boolean;
}

/**
 * One tenant's code at a glance, for people (the Studio): its newest definitions, each with its
 * newest versions and deployments, and its newest executions. Every query is keyed by the tenant
 * (definitions by `tenantId`, executions by the tenant's queue) or by a definition the tenant
 * owns; documents are checked for the tenant once more, so a stray id can never leak across.
 * One read more than the cap tells whether the list goes on.
 */
export async function readOverview(
  tenantId: string,
  limits: { definitions: number; executions: number },
): Promise<TenantOverview> {
  const [definitionSnap, executionSnap] = await Promise.all([
    definitionsOfTenant(tenantId, limits.definitions + 1).get(),
    recentJobsOfQueue(executionQueue(tenantId), limits.executions + 1).get(),
  ]);
  const listed = definitionSnap.docs.filter((d) => d.data().tenantId === tenantId).slice(0, limits.definitions);
  const definitions = await Promise.all(
    listed.map(async (d): Promise<DefinitionOverview> => {
      const [versionSnap, deploymentSnap] = await Promise.all([
        versionsOfDefinition(d.id, OVERVIEW_VERSIONS_PER_DEFINITION).get(),
        deploymentsOfDefinition(d.id, OVERVIEW_DEPLOYMENTS_PER_DEFINITION).get(),
      ]);
      return {
        id: d.id,
        doc: d.data(),
        versions: versionSnap.docs
          .filter((v) => v.data().tenantId === tenantId)
          .map((v) => ({ id: v.id, doc: v.data() })),
        deployments: deploymentSnap.docs
          .filter((v) => v.data().tenantId === tenantId)
          .map((v) => ({ id: v.id, doc: v.data() })),
      };
    }),
  );
  const executions = executionSnap.docs
    .filter((j) => j.data().kind === "execution" && j.data().tenantId === tenantId)
    .slice(0, limits.executions)
    .map((j) => ({ id: j.id, doc: j.data() }));
  return {
    definitions,
    moreDefinitions: definitionSnap.size > limits.definitions,
    executions,
    moreExecutions: executionSnap.size > limits.executions,
  };
}
