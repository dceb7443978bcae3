export const id = 753;
export const ids = [753];
export const modules = {

/***/ 4753:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   parseRegister: () => (/* binding */ parseRegister)
/* harmony export */ });
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);
/* harmony import */ var _keys_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7847);
/* harmony import */ var _register_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2006);
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



const FIELDS = ['user', 'key-id', 'reason', 'approver', 'ticket', 'expires'];
const IAM_USER_NAME = /^[\w+=,.@-]{1,128}$/;
/** Long-term access key IDs: AKIA + 16 characters (AWS allows 16-128 word characters). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FORMAT = 'a list under exceptions:, each entry with user (or key-id), reason, approver, ticket and expires (see "Exceptions register" in the README)';
/**
 * Parses and validates a register. `file` names it in messages. Throws RegisterError listing every
 * problem at once, each with its line.
 */
function parseRegister(text, file) {
    const lineCounter = new yaml__WEBPACK_IMPORTED_MODULE_0__/* .LineCounter */ .HN();
    const document = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parseDocument */ .Tp)(text, { lineCounter, prettyErrors: true });
    const lineOf = (node) => node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    const problems = [];
    const at = (line, message) => {
        problems.push(`exceptions: ${file} line ${line}: ${message}`);
    };
    for (const error of document.errors) {
        const line = error.linePos?.[0].line ?? 1;
        const said = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        at(line, `this is not valid YAML (${said}): fix the syntax there; the register is ${FORMAT}.`);
    }
    if (problems.length > 0)
        throw new _register_js__WEBPACK_IMPORTED_MODULE_1__/* .RegisterError */ .K9(problems);
    // The entries are under `exceptions:`; a bare top-level list is accepted too.
    const root = document.contents;
    let list = root;
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(root)) {
        for (const pair of root.items) {
            const name = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(pair.key) ? String(pair.key.value) : '';
            if (name !== 'exceptions') {
                at(lineOf(pair.key), `'${name}' is not a register field: the file holds one list, under exceptions:.`);
            }
        }
        list = root.get('exceptions', true);
        if (list === undefined)
            at(lineOf(root), `there is no exceptions: list: the register is ${FORMAT}.`);
    }
    const empty = list === null || ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(list) && (list.value === null || list.value === ''));
    if (empty) {
        at(lineOf(list), 'the register is empty: list at least one exception, or remove the exceptions input.');
    }
    else if (list !== undefined && !(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(list)) {
        at(lineOf(list), `exceptions must be a list of entries (- user: …): the register is ${FORMAT}.`);
    }
    if (problems.length > 0)
        throw new _register_js__WEBPACK_IMPORTED_MODULE_1__/* .RegisterError */ .K9(problems);
    const entries = [];
    for (const item of (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(list) ? list.items : []) {
        const entry = parseEntry(item, lineOf, at);
        if (entry)
            entries.push(entry);
    }
    if (problems.length > 0)
        throw new _register_js__WEBPACK_IMPORTED_MODULE_1__/* .RegisterError */ .K9(problems);
    return { file, entries };
}
function parseEntry(node, lineOf, at) {
    const line = lineOf(node);
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(node)) {
        at(line, `each exception is a mapping with user or key-id, reason, approver, ticket and expires.`);
        return undefined;
    }
    const values = new Map();
    const present = new Set();
    let valid = true;
    for (const pair of node.items) {
        const key = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(pair.key) ? String(pair.key.value) : '';
        const keyLine = lineOf(pair.key);
        if (!FIELDS.includes(key)) {
            at(keyLine, `field '${key}' is not an exception field: use ${FIELDS.join(', ')}${key === 'expiry' || key === 'expires-on' ? " (the expiry date is 'expires')" : ''}.`);
            valid = false;
            continue;
        }
        present.add(key);
        const value = pair.value;
        const scalar = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(value) ? value.value : undefined;
        const text = scalar instanceof Date
            ? scalar.toISOString().slice(0, 10)
            : typeof scalar === 'string' || typeof scalar === 'number'
                ? String(scalar).trim()
                : undefined;
        if (text === undefined || text === '') {
            at(value ? lineOf(value) : keyLine, `field '${key}' is empty: ${fixFor(key)}`);
            valid = false;
            continue;
        }
        values.set(key, { text, line: value ? lineOf(value) : keyLine });
    }
    const user = values.get('user');
    const keyId = values.get('key-id');
    if (!user && !keyId) {
        at(line, 'the entry names no user and no key-id: add user: <IAM user name> (or key-id: AKIA…).');
        valid = false;
    }
    if (user && (user.text === '*' || !IAM_USER_NAME.test(user.text))) {
        at(user.line, `field 'user': '${user.text}' is not an IAM user name: ${fixFor('user')}`);
        valid = false;
    }
    if (keyId && !ACCESS_KEY_ID.test(keyId.text)) {
        at(keyId.line, `field 'key-id': '${(0,_keys_js__WEBPACK_IMPORTED_MODULE_2__/* .redactKeyId */ .WL)(keyId.text)}' is not an access key ID: ${fixFor('key-id')}`);
        valid = false;
    }
    for (const field of ['reason', 'approver', 'ticket', 'expires']) {
        if (!present.has(field)) {
            at(line, `field '${field}' is missing: ${fixFor(field)}`);
            valid = false;
        }
    }
    const expires = values.get('expires');
    if (expires && !isCalendarDate(expires.text)) {
        at(expires.line, `field 'expires': '${expires.text}' is not a date: ${fixFor('expires')}`);
        valid = false;
    }
    if (!valid)
        return undefined;
    const text = (field) => values.get(field)?.text ?? '';
    return {
        line,
        ...(user ? { user: user.text } : {}),
        ...(keyId ? { keyId: keyId.text } : {}),
        reason: text('reason'),
        approver: text('approver'),
        ticket: text('ticket'),
        expires: text('expires')
    };
}
function fixFor(field) {
    switch (field) {
        case 'user':
            return 'write the IAM user name (1-128 letters, digits and + = , . @ _ -); a register has no wildcard.';
        case 'key-id':
            return 'write the full access key ID (AKIA followed by 16 capital letters and digits), or use user: instead.';
        case 'reason':
            return 'say why the key cannot be rotated or removed in time.';
        case 'approver':
            return 'name the person who approved the exception (name or e-mail).';
        case 'ticket':
            return 'give the ticket ID or link where the exception was approved.';
        case 'expires':
            return 'write the last day the exception holds as YYYY-MM-DD, for example 2027-03-31.';
        default:
            return 'remove it.';
    }
}
function isCalendarDate(text) {
    const match = DATE.exec(text);
    if (!match)
        return false;
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}


/***/ })

};
