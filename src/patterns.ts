/** Naming rules shared by the inputs and the fleet file, as GitHub and IAM define them. */

/** GitHub secret names: letters, digits and `_`, not starting with a digit (nor `GITHUB_`). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
export const IAM_USER_NAME = /^[\w+=,.@-]{1,128}$/
/** A workflow file under .github/workflows, or a numeric workflow ID. */
export const WORKFLOW_FILE = /^(?:[A-Za-z0-9._-]+\.ya?ml|\d+)$/
export const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/
export const GIT_REF = /^[^\s~^:?*[\\]+$/
