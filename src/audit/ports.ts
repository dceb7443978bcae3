/**
 * The audit's view of IAM. It has no method that changes anything, so an audit cannot change
 * anything; src/aws implements it, tests use fakes. Nothing here imports an SDK.
 */
import type { Iam } from '../rotation/ports.js'

/** GenerateCredentialReport's State: STARTED, INPROGRESS or COMPLETE. */
export type CredentialReportState = 'STARTED' | 'INPROGRESS' | 'COMPLETE' | (string & {})

export interface CredentialReportFile {
  /** The CSV, decoded from the response's base64 Content. */
  readonly csv: string
  readonly generatedAt: Date
}

export interface AuditIam extends Pick<Iam, 'caller' | 'getUser' | 'listKeys'> {
  /** The IAM user that owns a key (GetAccessKeyLastUsed), undefined when no such key exists. */
  keyOwner(accessKeyId: string): Promise<string | undefined>
  generateCredentialReport(): Promise<CredentialReportState>
  getCredentialReport(): Promise<CredentialReportFile>
}
