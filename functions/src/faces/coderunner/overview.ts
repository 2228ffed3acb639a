import { readOverview } from "../../core/code/readOverview";
import { endpoint } from "../../http/route";
import { callerOf, CONTROL_PLANE } from "./auth";
import { overviewQuery } from "./schemas";
import { overviewView } from "./views";

/**
 * `GET /api/coderunner/overview?definitions=&executions=` (Control Plane JWT): the tenant's
 * definitions (newest first, each with its newest versions and deployments) and its newest
 * executions. Seed 000 has no listing route; the Studio's Code page reads this one.
 */
export const readCodeOverview = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/coderunner/overview",
  auth: CONTROL_PLANE,
  query: overviewQuery,
  handler: async ({ principal, query, req }) => {
    const { tenantId } = callerOf(principal);
    const overview = await readOverview(tenantId, { definitions: query.definitions, executions: query.executions });
    return { message: "Overview", body: overviewView(req, tenantId, overview) };
  },
});
