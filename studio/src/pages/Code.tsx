/**
 * Code (seed 000). The Coderunner API authenticates the Control Plane (an RS256 JWT with
 * `x-client-key` / `x-userid`), not Studio users, and no read route accepts a Studio sign-in
 * yet; so this page explains that rather than asking for a token a browser should not hold.
 */
import { isLocalStack } from "../firebase";
import { Empty, Section } from "../ui";

export function CodePage() {
  return (
    <>
      <h1>Code</h1>
      <Section title="Coderunner definitions, versions, deployments and executions">
        <Empty title="Code is not available in the Studio yet.">
          <p>
            The Coderunner API (seed 000) serves code definitions, their versions and build status, deployments and recent executions to the Control Plane, which
            signs each call with its own service token for a workspace tenant. A Studio sign-in is not accepted there, and Runnerplane has no read route for
            signed-in users yet, so this page has nothing it may show you.
          </p>
          <p>Manage code from the Control Plane for now.</p>
          {isLocalStack() && (
            <p class="small">
              On the local stack you can call it directly: mint a token with <code>npm run dev:token -- --tenant TENANT --user USER</code> and send it with the{" "}
              <code>x-client-key</code> and <code>x-userid</code> headers to <code>/api/definitions</code>.
            </p>
          )}
        </Empty>
      </Section>
    </>
  );
}
