import { AwsCallError, GitHubCallError } from './rotation/ports.js'
import type { Stage } from './rotation/record.js'

/** A failure the run reports as-is: which stage, what happened, what a person should do. */
export class ActionError extends Error {
  constructor(
    readonly stage: Stage,
    message: string,
    readonly fix?: string
  ) {
    super(message)
    this.name = 'ActionError'
  }
}

/** The message of anything thrown, without stack, request headers or other properties. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  return 'unknown error'
}

const IAM_POLICY_HINT = 'see "Prerequisites" in the README for the least-privilege IAM policy'

/**
 * Turns a failed GetUser into an ActionError: a user that does not exist is a bad iam-user-name
 * (with `fix`), anything else is explained like every AWS failure.
 */
export function explainGetUser(
  stage: Stage,
  error: unknown,
  userName: string,
  account: string,
  fix: string
): ActionError {
  if (error instanceof AwsCallError && error.kind === 'not-found') {
    return new ActionError(
      'inputs',
      `iam-user-name: IAM user '${userName}' does not exist in account ${account}.`,
      fix
    )
  }
  return explainAws(stage, error, `Reading IAM user '${userName}'`)
}

/** Turns an AWS failure into an ActionError that names the missing permission. */
export function explainAws(stage: Stage, error: unknown, context: string): ActionError {
  if (error instanceof ActionError) return error
  if (!(error instanceof AwsCallError)) {
    return new ActionError(stage, `${context}: ${errorMessage(error)}`)
  }
  const action = error.call
  switch (error.kind) {
    case 'denied':
      return new ActionError(
        stage,
        `${context}: AWS denied ${action} (${error.code}).`,
        `Allow ${action} for the credentials the action runs with; ${IAM_POLICY_HINT}.`
      )
    case 'propagation':
      return new ActionError(
        stage,
        `${context}: AWS does not recognise the access key used for ${action} (${error.code}).`,
        'Check that the AWS credentials given to the job are current and active.'
      )
    case 'not-found':
      return new ActionError(
        stage,
        `${context}: ${action} found nothing (${error.code}): ${error.message}`
      )
    case 'limit':
      return new ActionError(
        stage,
        `${context}: ${action} hit the IAM limit of two access keys per user (${error.code}).`,
        'Delete the unused key of the user, then run again.'
      )
    case 'transient':
      return new ActionError(
        stage,
        `${context}: ${action} failed after retries (${error.code}): ${error.message}`,
        'AWS was unavailable; run the workflow again.'
      )
    default:
      return new ActionError(
        stage,
        `${context}: ${action} failed (${error.code}): ${error.message}`
      )
  }
}

/** Permission names as GitHub shows them for fine-grained PATs and GitHub Apps. */
const PERMISSION_NAMES: Record<string, string> = {
  secrets: 'Secrets',
  environments: 'Environments',
  dependabot_secrets: 'Dependabot secrets',
  organization_secrets: 'Organization secrets',
  actions: 'Actions'
}

/**
 * The permission to grant, from GitHub's `x-accepted-github-permissions` header when it names one.
 * Always write access: even a failed read happens on the way to writing the secret.
 */
export function permissionName(accepted: string | undefined, fallback: string): string {
  const key = accepted?.split(',')[0]?.split('=')[0]?.trim()
  return key && PERMISSION_NAMES[key] ? `"${PERMISSION_NAMES[key]}: Read and write"` : fallback
}

/** Turns a GitHub failure into an ActionError that names the permission to grant. */
export function explainGitHub(
  stage: Stage,
  error: unknown,
  context: string,
  neededPermission: string
): ActionError {
  if (error instanceof ActionError) return error
  if (!(error instanceof GitHubCallError)) {
    return new ActionError(stage, `${context}: ${errorMessage(error)}`)
  }
  const said = `GitHub answered ${error.status ?? 'no status'}: ${error.message}`
  const permission = permissionName(error.acceptedPermissions, neededPermission)
  switch (error.status) {
    case 401:
      return new ActionError(
        stage,
        `${context}: the github-token was rejected (${said}).`,
        'Pass a valid token in github-token: a GitHub App token from actions/create-github-app-token, or a fine-grained personal access token that has not expired.'
      )
    case 403:
      if (/rate limit/i.test(error.message)) {
        return new ActionError(
          stage,
          `${context}: GitHub's rate limit stopped the request after retries (${said}).`,
          'Run again later, or spread targets over several runs.'
        )
      }
      return new ActionError(
        stage,
        `${context}: the github-token may not do this (${said}).`,
        `Give the token the permission ${permission}. The workflow's GITHUB_TOKEN can never write secrets: use a GitHub App token (actions/create-github-app-token) or a fine-grained personal access token with ${permission}; a classic token needs the repo scope (admin:org for organization secrets).`
      )
    case 404:
      return new ActionError(
        stage,
        `${context}: not found, or the token cannot see it (${said}).`,
        `Check the target, and that the token can access the repository with the permission ${permission}.`
      )
    default:
      return new ActionError(stage, `${context}: ${said}`)
  }
}
