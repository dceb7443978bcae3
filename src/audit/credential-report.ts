/**
 * The IAM credential report: one CSV for every user of the account (GetCredentialReport). It names
 * keys by slot (access_key_1, access_key_2), never by ID, so keys read from it carry a slot only.
 */

export interface ReportKey {
  /** AWS's slot number; the report has no access key IDs. */
  readonly slot: 1 | 2
  readonly active: boolean
  /** access_key_N_last_rotated: when the key was created (or last changed). */
  readonly createdAt: Date
  readonly lastUsed: { readonly date?: Date; readonly service?: string; readonly region?: string }
}

export interface ReportUser {
  readonly name: string
  readonly arn: string
  readonly keys: readonly ReportKey[]
}

/** The columns audit reads; AWS may add others, which are ignored. */
const REQUIRED_COLUMNS = [
  'user',
  'arn',
  ...[1, 2].flatMap((slot) =>
    ['active', 'last_rotated', 'last_used_date', 'last_used_region', 'last_used_service'].map(
      (field) => `access_key_${slot}_${field}`
    )
  )
]

/** The account's root user has its own row; it is not an IAM user and has no slot for audit. */
const ROOT_ROW = '<root_account>'

/** Values AWS writes where there is nothing to report. */
const NOTHING = new Set(['N/A', 'no_information', 'not_supported', ''])

/** RFC 4180: fields separated by commas, optionally quoted with "" escaping; CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let index = 0
  const endField = (): void => {
    row.push(field)
    field = ''
  }
  const endRow = (): void => {
    endField()
    rows.push(row)
    row = []
  }
  while (index < text.length) {
    const char = text[index] as string
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"'
        index += 2
        continue
      }
      if (char === '"') quoted = false
      else field += char
      index += 1
      continue
    }
    if (char === '"' && field === '') quoted = true
    else if (char === ',') endField()
    else if (char === '\n') endRow()
    else if (char === '\r' && text[index + 1] === '\n') {
      endRow()
      index += 1
    } else field += char
    index += 1
  }
  if (quoted) throw new Error('the CSV ends inside a quoted field')
  if (field !== '' || row.length > 0) endRow()
  return rows
}

/** Parses GetCredentialReport's CSV into users and their key slots (the root row is left out). */
export function parseCredentialReport(csv: string): ReportUser[] {
  const [header, ...rows] = parseCsv(csv)
  if (!header) throw new Error('the credential report is empty')
  const column = new Map(header.map((name, index) => [name.trim(), index]))
  const missing = REQUIRED_COLUMNS.filter((name) => !column.has(name))
  if (missing.length > 0) {
    throw new Error(`the credential report has no column ${missing.join(', ')}`)
  }
  const users: ReportUser[] = []
  for (const [index, row] of rows.entries()) {
    if (row.length === 1 && row[0] === '') continue // blank line
    const value = (name: string): string | undefined => {
      const text = row[column.get(name) as number]?.trim()
      return text === undefined || NOTHING.has(text) ? undefined : text
    }
    const name = value('user')
    if (name === undefined) throw new Error(`credential report row ${index + 2} has no user`)
    if (name === ROOT_ROW) continue
    const keys: ReportKey[] = []
    for (const slot of [1, 2] as const) {
      const field = (suffix: string): string | undefined => value(`access_key_${slot}_${suffix}`)
      const created = field('last_rotated')
      // An empty slot is active=false with last_rotated N/A; an inactive key keeps its date.
      if (created === undefined) continue
      const createdAt = reportDate(created, `row ${index + 2} access_key_${slot}_last_rotated`)
      const usedAt = field('last_used_date')
      const service = field('last_used_service')
      const region = field('last_used_region')
      keys.push({
        slot,
        active: field('active')?.toLowerCase() === 'true',
        createdAt,
        lastUsed: {
          ...(usedAt === undefined
            ? {}
            : { date: reportDate(usedAt, `row ${index + 2} access_key_${slot}_last_used_date`) }),
          ...(service === undefined ? {} : { service }),
          ...(region === undefined ? {} : { region })
        }
      })
    }
    users.push({ name, arn: value('arn') ?? '', keys })
  }
  return users
}

function reportDate(text: string, where: string): Date {
  const date = new Date(text)
  if (Number.isNaN(date.getTime())) {
    throw new Error(`credential report ${where}: '${text}' is not a date`)
  }
  return date
}
