/** Where the rotated key is stored. The syntax is fixed by the SPEC (`targets` input). */
export type Target =
  | { readonly kind: 'repo'; readonly owner: string; readonly repo: string }
  | {
      readonly kind: 'env'
      readonly owner: string
      readonly repo: string
      readonly environment: string
    }
  | { readonly kind: 'org'; readonly org: string }
  | { readonly kind: 'dependabot'; readonly owner: string; readonly repo: string }

export type TargetKind = Target['kind']

export interface SecretNames {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export type OrgSecretVisibility = 'all' | 'private' | 'selected'

/** How a new organization secret is shared (an existing one keeps its own visibility). */
export interface NewOrgSecret {
  readonly visibility: OrgSecretVisibility
  /** OWNER/REPO names, with visibility `selected`. */
  readonly selectedRepositories: readonly string[]
}

/** Per-target settings a fleet file can give; everything else comes from the inputs. */
export interface TargetOptions {
  readonly secretNames?: SecretNames
  readonly newOrgSecret?: NewOrgSecret
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const REPO = /^[A-Za-z0-9._-]{1,100}$/

const SYNTAX: Record<TargetKind, string> = {
  repo: 'repo:OWNER/REPO, e.g. repo:acme/web',
  env: 'env:OWNER/REPO/ENVIRONMENT, e.g. env:acme/web/production',
  org: 'org:ORG, e.g. org:acme',
  dependabot: 'dependabot:OWNER/REPO, e.g. dependabot:acme/web'
}

/** The canonical text of a target, as written in `targets` and shown in reports. */
export function targetLabel(target: Target): string {
  switch (target.kind) {
    case 'repo':
    case 'dependabot':
      return `${target.kind}:${target.owner}/${target.repo}`
    case 'env':
      return `env:${target.owner}/${target.repo}/${target.environment}`
    case 'org':
      return `org:${target.org}`
  }
}

/** The repository a target belongs to, if any (`owner/repo`). */
export function targetRepository(target: Target): string | undefined {
  return target.kind === 'org' ? undefined : `${target.owner}/${target.repo}`
}

export class TargetSyntaxError extends Error {}

/** Parses one non-empty target line (comments already removed). */
export function parseTarget(line: string): Target {
  const colon = line.indexOf(':')
  const kind = colon > 0 ? line.slice(0, colon).trim() : ''
  const rest = colon > 0 ? line.slice(colon + 1).trim() : ''
  if (!isKind(kind)) {
    throw new TargetSyntaxError(
      `'${line}' is not a target: start the line with repo:, env:, org: or dependabot: (${SYNTAX.repo})`
    )
  }
  const parts = rest.split('/')
  const expect = (ok: boolean, why: string): void => {
    if (!ok) throw new TargetSyntaxError(`'${line}' ${why}: expected ${SYNTAX[kind]}`)
  }
  switch (kind) {
    case 'org':
      expect(parts.length === 1 && OWNER.test(rest), 'is not an organization target')
      return { kind, org: rest }
    case 'repo':
    case 'dependabot': {
      const [owner = '', repo = ''] = parts
      expect(parts.length === 2 && OWNER.test(owner) && REPO.test(repo), 'is not a repository')
      return { kind, owner, repo }
    }
    case 'env': {
      const [owner = '', repo = ''] = parts
      const environment = parts.slice(2).join('/')
      expect(
        parts.length >= 3 && OWNER.test(owner) && REPO.test(repo) && environment.trim() !== '',
        'does not name an environment'
      )
      expect(environment.length <= 255, 'has an environment name longer than 255 characters')
      return { kind, owner, repo, environment }
    }
  }
}

function isKind(kind: string): kind is TargetKind {
  return kind === 'repo' || kind === 'env' || kind === 'org' || kind === 'dependabot'
}

/** Parses the multiline `targets` input: one target a line, `#` starts a comment. */
export function parseTargets(text: string): { targets: Target[]; errors: string[] } {
  const targets: Target[] = []
  const errors: string[] = []
  const seen = new Map<string, number>()
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line === '') return
    const lineNumber = index + 1
    try {
      const target = parseTarget(line)
      const label = targetLabel(target)
      const first = seen.get(label)
      if (first !== undefined) {
        errors.push(
          `targets line ${lineNumber}: '${label}' repeats line ${first}: list each target once`
        )
        return
      }
      seen.set(label, lineNumber)
      targets.push(target)
    } catch (error) {
      if (!(error instanceof TargetSyntaxError)) throw error
      errors.push(`targets line ${lineNumber}: ${error.message}`)
    }
  })
  return { targets, errors }
}
