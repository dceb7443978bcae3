/**
 * The exceptions register file: its format, its parser and its validation (every problem at once,
 * each with its line). Loaded only when a run has a register.
 *
 *   exceptions:
 *     - user: legacy-ftp             # or key-id: AKIA…, or both
 *       reason: Vendor appliance cannot rotate keys before firmware 5.2
 *       approver: jane.doe@example.com
 *       ticket: SEC-1234             # an ID or a link
 *       expires: 2027-03-31          # valid through that day (UTC)
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import { redactKeyId } from '../keys.js'
import { RegisterError, type ExceptionEntry, type ExceptionsRegister } from './register.js'

const FIELDS = ['user', 'key-id', 'reason', 'approver', 'ticket', 'expires'] as const
const IAM_USER_NAME = /^[\w+=,.@-]{1,128}$/
/** Long-term access key IDs: AKIA + 16 characters (AWS allows 16-128 word characters). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const FORMAT =
  'a list under exceptions:, each entry with user (or key-id), reason, approver, ticket and expires (see "Exceptions register" in the README)'

/**
 * Parses and validates a register. `file` names it in messages. Throws RegisterError listing every
 * problem at once, each with its line.
 */
export function parseRegister(text: string, file: string): ExceptionsRegister {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: true })
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1
  const problems: string[] = []
  const at = (line: number, message: string): void => {
    problems.push(`exceptions: ${file} line ${line}: ${message}`)
  }

  for (const error of document.errors) {
    const line = error.linePos?.[0].line ?? 1
    const said = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')
    at(line, `this is not valid YAML (${said}): fix the syntax there; the register is ${FORMAT}.`)
  }
  if (problems.length > 0) throw new RegisterError(problems)

  // The entries are under `exceptions:`; a bare top-level list is accepted too.
  const root = document.contents
  let list: Node | null | undefined = root
  if (isMap(root)) {
    for (const pair of root.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : ''
      if (name !== 'exceptions') {
        at(
          lineOf(pair.key as Node),
          `'${name}' is not a register field: the file holds one list, under exceptions:.`
        )
      }
    }
    list = root.get('exceptions', true) as Node | undefined
    if (list === undefined)
      at(lineOf(root), `there is no exceptions: list: the register is ${FORMAT}.`)
  }
  const empty = list === null || (isScalar(list) && (list.value === null || list.value === ''))
  if (empty) {
    at(
      lineOf(list),
      'the register is empty: list at least one exception, or remove the exceptions input.'
    )
  } else if (list !== undefined && !isSeq(list)) {
    at(lineOf(list), `exceptions must be a list of entries (- user: …): the register is ${FORMAT}.`)
  }
  if (problems.length > 0) throw new RegisterError(problems)

  const entries: ExceptionEntry[] = []
  for (const item of isSeq(list) ? list.items : []) {
    const entry = parseEntry(item as Node, lineOf, at)
    if (entry) entries.push(entry)
  }
  if (problems.length > 0) throw new RegisterError(problems)
  return { file, entries }
}

function parseEntry(
  node: Node,
  lineOf: (node: Node | null | undefined) => number,
  at: (line: number, message: string) => void
): ExceptionEntry | undefined {
  const line = lineOf(node)
  if (!isMap(node)) {
    at(
      line,
      `each exception is a mapping with user or key-id, reason, approver, ticket and expires.`
    )
    return undefined
  }
  const values = new Map<string, { text: string; line: number }>()
  const present = new Set<string>()
  let valid = true
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : ''
    const keyLine = lineOf(pair.key as Node)
    if (!(FIELDS as readonly string[]).includes(key)) {
      at(
        keyLine,
        `field '${key}' is not an exception field: use ${FIELDS.join(', ')}${key === 'expiry' || key === 'expires-on' ? " (the expiry date is 'expires')" : ''}.`
      )
      valid = false
      continue
    }
    present.add(key)
    const value = pair.value as Node | null
    const scalar = isScalar(value) ? value.value : undefined
    const text =
      scalar instanceof Date
        ? scalar.toISOString().slice(0, 10)
        : typeof scalar === 'string' || typeof scalar === 'number'
          ? String(scalar).trim()
          : undefined
    if (text === undefined || text === '') {
      at(value ? lineOf(value) : keyLine, `field '${key}' is empty: ${fixFor(key)}`)
      valid = false
      continue
    }
    values.set(key, { text, line: value ? lineOf(value) : keyLine })
  }

  const user = values.get('user')
  const keyId = values.get('key-id')
  if (!user && !keyId) {
    at(line, 'the entry names no user and no key-id: add user: <IAM user name> (or key-id: AKIA…).')
    valid = false
  }
  if (user && (user.text === '*' || !IAM_USER_NAME.test(user.text))) {
    at(user.line, `field 'user': '${user.text}' is not an IAM user name: ${fixFor('user')}`)
    valid = false
  }
  if (keyId && !ACCESS_KEY_ID.test(keyId.text)) {
    at(
      keyId.line,
      `field 'key-id': '${redactKeyId(keyId.text)}' is not an access key ID: ${fixFor('key-id')}`
    )
    valid = false
  }
  for (const field of ['reason', 'approver', 'ticket', 'expires'] as const) {
    if (!present.has(field)) {
      at(line, `field '${field}' is missing: ${fixFor(field)}`)
      valid = false
    }
  }
  const expires = values.get('expires')
  if (expires && !isCalendarDate(expires.text)) {
    at(expires.line, `field 'expires': '${expires.text}' is not a date: ${fixFor('expires')}`)
    valid = false
  }
  if (!valid) return undefined
  const text = (field: string): string => values.get(field)?.text ?? ''
  return {
    line,
    ...(user ? { user: user.text } : {}),
    ...(keyId ? { keyId: keyId.text } : {}),
    reason: text('reason'),
    approver: text('approver'),
    ticket: text('ticket'),
    expires: text('expires')
  }
}

function fixFor(field: string): string {
  switch (field) {
    case 'user':
      return 'write the IAM user name (1-128 letters, digits and + = , . @ _ -); a register has no wildcard.'
    case 'key-id':
      return 'write the full access key ID (AKIA followed by 16 capital letters and digits), or use user: instead.'
    case 'reason':
      return 'say why the key cannot be rotated or removed in time.'
    case 'approver':
      return 'name the person who approved the exception (name or e-mail).'
    case 'ticket':
      return 'give the ticket ID or link where the exception was approved.'
    case 'expires':
      return 'write the last day the exception holds as YYYY-MM-DD, for example 2027-03-31.'
    default:
      return 'remove it.'
  }
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text)
  if (!match) return false
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text
}
