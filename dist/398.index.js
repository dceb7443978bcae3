export const id = 398;
export const ids = [398];
export const modules = {

/***/ 1398:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   parseFleet: () => (/* binding */ parseFleet)
/* harmony export */ });
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8815);
/* harmony import */ var _fleet_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3207);
/* harmony import */ var _patterns_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6248);
/* harmony import */ var _targets_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8993);
/**
 * The fleet file (the `config` input): many IAM users, each with its own targets, in one YAML file
 * kept in the repository. Parsed and validated here; every problem is reported at once, each with
 * the file, line, field, what is wrong and the fix.
 *
 *   defaults:                        # optional; every key optional; applies to every user
 *     rotate-after-days: 30          # whole number >= 0
 *     max-key-age-days: 90           # whole number >= 1
 *     delete-after-days: 0           # whole number >= 0
 *     access-key-id-secret-name: AWS_ACCESS_KEY_ID
 *     secret-access-key-secret-name: AWS_SECRET_ACCESS_KEY
 *     smoke-command: aws sts get-caller-identity
 *     smoke-workflow: aws-smoke.yml
 *     smoke-ref: main
 *     smoke-timeout-seconds: 600     # whole number >= 1
 *   users:                           # required, at least one
 *     - iam-user-name: deployer      # required, unique (IAM names are case-insensitive)
 *       targets:                     # required, at least one, each target once per user
 *         - repo:acme/web            # a target line, as in the targets input
 *         - env:acme/web/production
 *         - target: org:acme         # or a mapping with per-target settings:
 *           access-key-id-secret-name: DEPLOYER_AWS_ACCESS_KEY_ID
 *           secret-access-key-secret-name: DEPLOYER_AWS_SECRET_ACCESS_KEY
 *           visibility: selected     # org: targets only; all | private | selected; used only
 *                                    # when the org secret does not exist yet
 *           selected-repositories: [acme/web]   # only with visibility: selected; the org's repos
 *       rotate-after-days: 14        # every defaults key may be overridden per user
 *       smoke-repository: acme/web   # per user only; OWNER/REPO or a list of them
 *
 * A target's secret names come from the target, else its user, else defaults, else the action's
 * inputs. Other settings a user leaves out come from defaults, else stay undefined for the action's
 * inputs to fill in. No two users may write the same secret (scope and name, compared the way
 * GitHub does: case-insensitively): their keys would overwrite each other.
 */




const FORMAT = 'a mapping with users: (a list of IAM users, each with iam-user-name and targets) and, optionally, defaults:';
const VISIBILITIES = ['all', 'private', 'selected'];
function wholeNumber(minimum, unit, example) {
    return {
        fix: `write an integer such as ${example}`,
        problem: (text) => /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) >= minimum
            ? undefined
            : `is not a whole number of ${unit} of at least ${minimum}`
    };
}
const SECRET_NAME_SETTING = {
    fix: 'use letters, digits and _, not starting with a digit or GITHUB_',
    problem: (text) => _patterns_js__WEBPACK_IMPORTED_MODULE_3__/* .SECRET_NAME */ .J4.test(text) && !/^GITHUB_/i.test(text) ? undefined : 'is not a valid secret name'
};
const SETTINGS = {
    'rotate-after-days': wholeNumber(0, 'days', 30),
    'max-key-age-days': wholeNumber(1, 'days', 90),
    'delete-after-days': wholeNumber(0, 'days', 30),
    'access-key-id-secret-name': SECRET_NAME_SETTING,
    'secret-access-key-secret-name': SECRET_NAME_SETTING,
    'smoke-command': {
        fix: 'write the shell command to run with the new key',
        problem: () => undefined
    },
    'smoke-workflow': {
        fix: 'use the file name under .github/workflows, e.g. aws-smoke.yml',
        problem: (text) => (_patterns_js__WEBPACK_IMPORTED_MODULE_3__/* .WORKFLOW_FILE */ .XC.test(text) ? undefined : 'is not a workflow file name')
    },
    'smoke-ref': {
        fix: 'use a branch or tag name such as main',
        problem: (text) => (_patterns_js__WEBPACK_IMPORTED_MODULE_3__/* .GIT_REF */ .BC.test(text) ? undefined : 'is not a git ref')
    },
    'smoke-timeout-seconds': wholeNumber(1, 'seconds', 600)
};
const SETTING_KEYS = Object.keys(SETTINGS);
const SECRET_NAME_KEYS = [
    'access-key-id-secret-name',
    'secret-access-key-secret-name'
];
const TOP_KEYS = ['defaults', 'users'];
const USER_KEYS = ['iam-user-name', 'targets', ...SETTING_KEYS, 'smoke-repository'];
const TARGET_KEYS = ['target', ...SECRET_NAME_KEYS, 'visibility', 'selected-repositories'];
/** Inputs that apply to the whole run: they are not fleet settings. */
const RUN_INPUTS = [
    'github-token',
    'mode',
    'force',
    'dry-run',
    'propagation-timeout-seconds',
    'request-timeout-seconds',
    'aws-region',
    'config',
    'exceptions'
];
const TARGET_KINDS = ['repo', 'env', 'org', 'dependabot'];
/**
 * Parses and validates a fleet file. `file` names it in messages; `fallbackSecretNames` (the
 * action's inputs) name the secrets where neither the target, its user nor defaults do. Throws
 * FleetError listing every problem at once, in line order.
 */
function parseFleet(text, file, fallbackSecretNames) {
    const lineCounter = new yaml__WEBPACK_IMPORTED_MODULE_0__/* .LineCounter */ .HN();
    const document = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .parseDocument */ .Tp)(text, { lineCounter, prettyErrors: true });
    const problems = [];
    const lineOf = (node) => node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    const at = (line, path, message) => {
        const text = `config: ${file} line ${line}: ${path ? `${path}: ` : ''}${message}`;
        // A clash written once in defaults is found again for every target that inherits it.
        if (!problems.some((problem) => problem.text === text))
            problems.push({ line, text });
    };
    // Annotated so that TypeScript narrows after a call (assertion-style control flow).
    const fail = () => {
        // Stable sort: problems on one line keep the order they were found in.
        throw new _fleet_js__WEBPACK_IMPORTED_MODULE_1__/* .FleetError */ .tp([...problems].sort((a, b) => a.line - b.line).map(({ text }) => text));
    };
    // Anchors and aliases are plain YAML: follow an alias to the node it names.
    const deref = (node) => {
        const resolved = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isAlias */ .Vj)(node) ? node.resolve(document) : node;
        return resolved ?? null;
    };
    for (const error of document.errors) {
        const line = error.linePos?.[0].line ?? 1;
        const said = error.code === 'MULTIPLE_DOCS'
            ? 'more than one document: a --- line starts another'
            : (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        at(line, '', `this is not valid YAML (${said}): fix the syntax there; the fleet file is ${FORMAT}.`);
    }
    if (problems.length > 0)
        fail();
    const root = deref(document.contents);
    if (isEmpty(root)) {
        at(lineOf(root), '', 'the file is empty: list the IAM users under users:, each with iam-user-name and targets, or remove the config input.');
        fail();
    }
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(root)) {
        at(lineOf(root), '', `the top level is ${kindOf(root)}, not a mapping: the fleet file is ${FORMAT}${(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(root) ? ' (put this list under users:)' : ''}.`);
        fail();
    }
    /** Reads a setting's value as text; undefined (reported) when empty, a list or a mapping. */
    const readText = (node, keyLine, path, fix) => {
        const line = node ? lineOf(node) : keyLine;
        const text = scalarText(node)?.trim();
        if (text === undefined || text === '') {
            at(line, path, isEmpty(node)
                ? `is empty: remove the line, or ${fix}.`
                : `is ${kindOf(node)}, not a single value: ${fix}.`);
            return undefined;
        }
        return { value: text, line, path };
    };
    const readSetting = (key, node, keyLine, path) => {
        const setting = SETTINGS[key];
        const located = readText(node, keyLine, path, setting.fix);
        if (located === undefined)
            return undefined;
        const problem = setting.problem(located.value);
        if (problem !== undefined) {
            at(located.line, path, `'${located.value}' ${problem}: ${setting.fix}.`);
            return undefined;
        }
        return located;
    };
    /** OWNER/REPO names: one as text, or a list; undefined (reported) when any is invalid. */
    const readRepositories = (node, keyLine, path, fix) => {
        const items = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(node) ? node.items.map(deref) : [node];
        if (isEmpty(node) || items.length === 0) {
            at(node ? lineOf(node) : keyLine, path, `is empty: remove the line, or ${fix}.`);
            return undefined;
        }
        const repositories = [];
        let valid = true;
        items.forEach((item, index) => {
            const itemPath = (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(node) ? `${path}[${index}]` : path;
            const located = readText(item, keyLine, itemPath, fix);
            if (located === undefined) {
                valid = false;
            }
            else if (!_patterns_js__WEBPACK_IMPORTED_MODULE_3__/* .REPOSITORY */ .Bw.test(located.value)) {
                at(located.line, itemPath, `'${located.value}' is not a repository: ${fix}.`);
                valid = false;
            }
            else if (!repositories.some(({ value }) => value === located.value)) {
                repositories.push(located);
            }
        });
        if (!valid)
            return undefined;
        return {
            value: repositories.map(({ value }) => value),
            items: repositories,
            line: node ? lineOf(node) : keyLine,
            path
        };
    };
    /** Reports a key that is not allowed here, with the closest allowed key and a hint. */
    const unknownKey = (key, line, path, what, allowed, hint) => {
        const suggestion = closest(key, allowed);
        at(line, path, `'${key}' is not ${what}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}: ${hint ?? `use ${allowed.join(', ')}`}.`);
    };
    // Top level: defaults and users.
    let defaults = new Map();
    const brokenDefaults = new Set();
    let usersNode;
    for (const pair of root.items) {
        const key = keyText(pair.key);
        const keyLine = lineOf(pair.key);
        const value = deref(pair.value);
        if (key === 'defaults') {
            defaults = readDefaults(value);
        }
        else if (key === 'users') {
            usersNode = value;
        }
        else {
            unknownKey(key, keyLine, '', 'a top-level key', TOP_KEYS, topLevelHint(key));
        }
    }
    function readDefaults(node) {
        const settings = new Map();
        if (isEmpty(node))
            return settings;
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(node)) {
            at(lineOf(node), 'defaults', `is ${kindOf(node)}, not a mapping: write settings such as rotate-after-days: 30 under defaults:, or remove it.`);
            return settings;
        }
        for (const pair of node.items) {
            const key = keyText(pair.key);
            const line = lineOf(pair.key);
            if (isSettingKey(key)) {
                const located = readSetting(key, deref(pair.value), line, `defaults.${key}`);
                if (located)
                    settings.set(key, located);
                else
                    brokenDefaults.add(key);
            }
            else {
                const hint = RUN_INPUTS.includes(key)
                    ? runInputHint(key)
                    : USER_KEYS.includes(key)
                        ? `${key} is set per user: move it into each entry under users:`
                        : undefined;
                unknownKey(key, line, 'defaults', 'a defaults setting', SETTING_KEYS, hint);
            }
        }
        return settings;
    }
    const users = [];
    const parsedTargets = [];
    const firstUser = new Map();
    if (usersNode === undefined) {
        at(lineOf(root), '', 'there is no users: list: add users: with at least one IAM user (iam-user-name and targets).');
    }
    else if (isEmpty(usersNode) || ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(usersNode) && usersNode.items.length === 0)) {
        at(lineOf(usersNode), 'users', 'is empty: list at least one IAM user, each with iam-user-name and targets.');
    }
    else if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(usersNode)) {
        at(lineOf(usersNode), 'users', `is ${kindOf(usersNode)}, not a list: write one entry per IAM user, starting with - iam-user-name: NAME.`);
    }
    else {
        usersNode.items.forEach((item, index) => {
            const parsed = readUser(deref(item), index);
            if (parsed === undefined)
                return;
            users.push(parsed.user);
            parsedTargets.push(parsed.targets);
        });
    }
    function readUser(node, index) {
        const path = `users[${index}]`;
        const line = lineOf(node);
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(node)) {
            at(line, path, `is ${kindOf(node)}, not a user: write each user as a mapping starting with - iam-user-name: NAME, with its targets: below.`);
            return undefined;
        }
        const settings = new Map();
        const brokenSettings = new Set();
        let iamUserName;
        let iamUserNameWritten = false;
        let targetsNode;
        let smokeRepositories;
        let valid = true;
        for (const pair of node.items) {
            const key = keyText(pair.key);
            const keyLine = lineOf(pair.key);
            const value = deref(pair.value);
            if (key === 'iam-user-name') {
                iamUserNameWritten = true;
                iamUserName = readIamUserName(value, keyLine, path, line);
                if (iamUserName === undefined)
                    valid = false;
            }
            else if (key === 'targets') {
                targetsNode = { node: value, line: keyLine };
            }
            else if (key === 'smoke-repository') {
                smokeRepositories = readRepositories(value, keyLine, `${path}.smoke-repository`, 'write OWNER/REPO, or a list of them, where smoke-workflow is dispatched');
                if (smokeRepositories === undefined)
                    valid = false;
            }
            else if (isSettingKey(key)) {
                const located = readSetting(key, value, keyLine, `${path}.${key}`);
                if (located) {
                    settings.set(key, located);
                }
                else {
                    brokenSettings.add(key);
                    valid = false;
                }
            }
            else {
                const hint = RUN_INPUTS.includes(key) ? runInputHint(key) : undefined;
                unknownKey(key, keyLine, path, 'a user setting', USER_KEYS, hint);
                valid = false;
            }
        }
        if (!iamUserNameWritten) {
            at(line, path, 'iam-user-name is missing: add iam-user-name: NAME (the IAM user whose key is rotated).');
            valid = false;
        }
        if (targetsNode === undefined) {
            at(line, path, 'targets is missing: add targets: with at least one target, e.g. - repo:acme/web.');
            valid = false;
        }
        const pick = (key) => settings.get(key) ?? defaults.get(key);
        const inherited = {
            get: pick,
            isBroken: (key) => brokenSettings.has(key) || (!settings.has(key) && brokenDefaults.has(key))
        };
        const targets = targetsNode && readTargets(targetsNode.node, targetsNode.line, path, inherited);
        if (!valid || iamUserName === undefined || targets === undefined)
            return undefined;
        const number = (key) => {
            const located = pick(key);
            return located === undefined ? undefined : Number(located.value);
        };
        const text = (key) => pick(key)?.value;
        const rotateAfterDays = number('rotate-after-days');
        const maxKeyAgeDays = number('max-key-age-days');
        const deleteAfterDays = number('delete-after-days');
        const workflow = text('smoke-workflow');
        const ref = text('smoke-ref');
        const timeoutSeconds = number('smoke-timeout-seconds');
        const command = text('smoke-command');
        const user = {
            iamUserName,
            line,
            targets: targets.map(({ fleetTarget }) => fleetTarget),
            ...(rotateAfterDays === undefined ? {} : { rotateAfterDays }),
            ...(maxKeyAgeDays === undefined ? {} : { maxKeyAgeDays }),
            ...(deleteAfterDays === undefined ? {} : { deleteAfterDays }),
            smoke: {
                ...(workflow === undefined ? {} : { workflow }),
                ...(smokeRepositories === undefined ? {} : { repositories: smokeRepositories.value }),
                ...(ref === undefined ? {} : { ref }),
                ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
                ...(command === undefined ? {} : { command })
            }
        };
        return { user, targets };
    }
    /** The user's name, once valid and not already listed (IAM user names are case-insensitive). */
    function readIamUserName(node, keyLine, userPath, userLine) {
        const fix = 'write the IAM user name (1-128 letters, digits and + = , . @ _ -)';
        const located = readText(node, keyLine, `${userPath}.iam-user-name`, fix);
        if (located === undefined)
            return undefined;
        if (!_patterns_js__WEBPACK_IMPORTED_MODULE_3__/* .IAM_USER_NAME */ .MI.test(located.value)) {
            at(located.line, located.path, `'${located.value}' is not an IAM user name: ${fix}.`);
            return undefined;
        }
        const first = firstUser.get(located.value.toLowerCase());
        if (first !== undefined) {
            at(located.line, located.path, `'${located.value}' is already listed as ${first.path} (line ${first.line}): list each IAM user once (IAM user names are case-insensitive) and put all of its targets under that entry.`);
            return undefined;
        }
        firstUser.set(located.value.toLowerCase(), { path: userPath, line: userLine });
        return located.value;
    }
    function readTargets(node, keyLine, userPath, inherited) {
        const path = `${userPath}.targets`;
        if (isEmpty(node) || ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(node) && node.items.length === 0)) {
            at(node ? lineOf(node) : keyLine, path, 'is empty: list at least one target, e.g. - repo:acme/web.');
            return undefined;
        }
        if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(node)) {
            at(lineOf(node), path, `is ${kindOf(node)}, not a list: write one target per list item, e.g. - repo:acme/web.`);
            return undefined;
        }
        const targets = [];
        const seen = new Map();
        let valid = true;
        node.items.forEach((item, index) => {
            const parsed = readTarget(deref(item), `${path}[${index}]`, inherited);
            if (parsed === undefined) {
                valid = false;
                return;
            }
            // GitHub owner, repository, organization and environment names are case-insensitive.
            const scope = (0,_targets_js__WEBPACK_IMPORTED_MODULE_2__/* .targetLabel */ .Op)(parsed.fleetTarget.target).toLowerCase();
            const first = seen.get(scope);
            if (first !== undefined) {
                at(parsed.line, parsed.path, `'${(0,_targets_js__WEBPACK_IMPORTED_MODULE_2__/* .targetLabel */ .Op)(parsed.fleetTarget.target)}' is already a target of this user (${first.path}, line ${first.line}): list each target once.`);
                valid = false;
                return;
            }
            seen.set(scope, parsed);
            targets.push(parsed);
        });
        return valid ? targets : undefined;
    }
    function readTarget(node, path, inherited) {
        const line = lineOf(node);
        const targetFix = 'write a target such as repo:acme/web, env:acme/web/production or org:acme';
        let target;
        const names = new Map();
        const brokenNames = new Set();
        let visibility;
        let selected;
        let valid = true;
        const parseTargetText = (located) => {
            if (located === undefined) {
                valid = false;
                return;
            }
            try {
                target = (0,_targets_js__WEBPACK_IMPORTED_MODULE_2__/* .parseTarget */ .hu)(located.value);
            }
            catch (error) {
                if (!(error instanceof _targets_js__WEBPACK_IMPORTED_MODULE_2__/* .TargetSyntaxError */ .zC))
                    throw error;
                at(located.line, path, error.message);
                valid = false;
            }
        };
        if ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(node) || isEmpty(node)) {
            parseTargetText(readText(node, line, path, targetFix));
        }
        else if ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(node)) {
            let written = false;
            for (const pair of node.items) {
                const key = keyText(pair.key);
                const keyLine = lineOf(pair.key);
                const value = deref(pair.value);
                if (key === 'target') {
                    written = true;
                    parseTargetText(readText(value, keyLine, `${path}.target`, targetFix));
                }
                else if (key === 'access-key-id-secret-name' || key === 'secret-access-key-secret-name') {
                    const located = readSetting(key, value, keyLine, `${path}.${key}`);
                    if (located)
                        names.set(key, located);
                    else
                        brokenNames.add(key);
                }
                else if (key === 'visibility') {
                    const fix = `use ${VISIBILITIES.join(', ')}`;
                    visibility = readText(value, keyLine, `${path}.visibility`, fix);
                    if (visibility && !VISIBILITIES.includes(visibility.value)) {
                        at(visibility.line, visibility.path, `'${visibility.value}' is not a visibility: ${fix}.`);
                        visibility = undefined;
                    }
                    if (visibility === undefined)
                        valid = false;
                }
                else if (key === 'selected-repositories') {
                    selected = readRepositories(value, keyLine, `${path}.selected-repositories`, 'write the OWNER/REPO names of the organization repositories that may use the secret');
                    if (selected === undefined)
                        valid = false;
                }
                else if (TARGET_KINDS.includes(key) && (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(value)) {
                    // `- repo: acme/web` (a space after the colon) is YAML for a mapping.
                    written = true;
                    const meant = `${key}:${scalarText(value)?.trim() ?? ''}`;
                    at(keyLine, path, `'${key}: ${scalarText(value)?.trim() ?? ''}' is a mapping, not a target: write ${meant} without a space after the colon (or target: ${meant}).`);
                    valid = false;
                }
                else {
                    const hint = USER_KEYS.includes(key)
                        ? `${key} is a user setting: move it up to the user, where it applies to all of the user's targets`
                        : undefined;
                    unknownKey(key, keyLine, path, 'a target setting', TARGET_KEYS, hint);
                    valid = false;
                }
            }
            if (!written) {
                at(line, path, `target is missing: add target: with the target, e.g. target: org:acme.`);
                valid = false;
            }
        }
        else {
            at(line, path, `is ${kindOf(node)}, not a target: ${targetFix}.`);
            valid = false;
        }
        if (target === undefined)
            return undefined;
        // How a new org secret is shared is a setting of org: targets only.
        const isOrg = target.kind === 'org';
        for (const located of [visibility, selected]) {
            if (located !== undefined && !isOrg) {
                at(located.line, located.path, `only org: targets take this setting (the secret of '${(0,_targets_js__WEBPACK_IMPORTED_MODULE_2__/* .targetLabel */ .Op)(target)}' belongs to one repository): remove it.`);
                valid = false;
            }
        }
        if (isOrg && selected !== undefined && visibility?.value !== 'selected') {
            at(selected.line, selected.path, `needs visibility: selected${visibility ? ` (it is ${visibility.value})` : ''}: set visibility: selected, or remove selected-repositories.`);
            valid = false;
        }
        if (isOrg && visibility?.value === 'selected' && selected === undefined) {
            at(visibility.line, visibility.path, 'selected needs selected-repositories: list the OWNER/REPO names that may use the secret, or use visibility: private.');
            valid = false;
        }
        if (target.kind === 'org' && selected !== undefined) {
            const org = target.org.toLowerCase();
            for (const repository of selected.items) {
                if (repository.value.split('/')[0]?.toLowerCase() !== org) {
                    at(repository.line, repository.path, `'${repository.value}' is not a repository of organization ${target.org}: an organization secret can only be shared with the organization's repositories.`);
                    valid = false;
                }
            }
        }
        // Each name: the target's, else its user's, else defaults', else the action's input.
        // Undefined when the name that applies is invalid (reported where it is written).
        const resolveName = (key) => {
            const own = names.get(key);
            if (own)
                return { name: own.value, source: 'target', at: own };
            if (brokenNames.has(key) || inherited.isBroken(key))
                return undefined;
            const from = inherited.get(key);
            if (from) {
                return {
                    name: from.value,
                    source: from.path.startsWith('defaults.') ? 'defaults' : 'user',
                    at: from
                };
            }
            return {
                name: key === 'access-key-id-secret-name'
                    ? fallbackSecretNames.accessKeyId
                    : fallbackSecretNames.secretAccessKey,
                source: 'fallback'
            };
        };
        const accessKeyId = resolveName('access-key-id-secret-name');
        const secretAccessKey = resolveName('secret-access-key-secret-name');
        if (accessKeyId === undefined || secretAccessKey === undefined)
            return undefined;
        if (accessKeyId.name.toUpperCase() === secretAccessKey.name.toUpperCase()) {
            // Report where the clash is written: the most specific level that sets one of the names.
            const order = ['target', 'user', 'defaults', 'fallback'];
            const where = order.indexOf(accessKeyId.source) <= order.indexOf(secretAccessKey.source)
                ? accessKeyId
                : secretAccessKey;
            const clashLine = where.source === 'target' ? line : (where.at?.line ?? line);
            const clashPath = where.source === 'target' || where.at === undefined
                ? path
                : where.at.path.slice(0, where.at.path.lastIndexOf('.'));
            at(clashLine, clashPath, `access-key-id-secret-name and secret-access-key-secret-name are the same secret (${accessKeyId.name}): give them different names.`);
            valid = false;
        }
        if (!valid)
            return undefined;
        const fleetTarget = {
            target,
            secretNames: { accessKeyId: accessKeyId.name, secretAccessKey: secretAccessKey.name },
            ...(target.kind === 'org' && visibility !== undefined
                ? {
                    newOrgSecret: {
                        visibility: visibility.value,
                        selectedRepositories: selected?.value ?? []
                    }
                }
                : {})
        };
        return { fleetTarget, line, path };
    }
    checkSharedSecrets(users, parsedTargets, at);
    if (problems.length > 0)
        fail();
    return { file, users };
}
/**
 * Two users writing the same secret (scope and name) would overwrite each other's key on every
 * run. GitHub compares secret names case-insensitively (they are stored upper-case).
 */
function checkSharedSecrets(users, targets, at) {
    const writers = new Map();
    users.forEach((user, userIndex) => {
        for (const target of targets[userIndex] ?? []) {
            const scope = (0,_targets_js__WEBPACK_IMPORTED_MODULE_2__/* .targetLabel */ .Op)(target.fleetTarget.target);
            const { accessKeyId, secretAccessKey } = target.fleetTarget.secretNames;
            // One message per pair of clashing targets, naming every shared secret.
            const clashes = new Map();
            for (const name of [accessKeyId, secretAccessKey]) {
                const key = `${scope.toLowerCase()}\u0000${name.toUpperCase()}`;
                const writer = writers.get(key);
                if (writer === undefined) {
                    writers.set(key, { user, target });
                }
                else if (writer.user !== user) {
                    const clash = clashes.get(writer.target) ?? { user: writer.user, names: [] };
                    clash.names.push(name);
                    clashes.set(writer.target, clash);
                }
            }
            for (const [other, clash] of clashes) {
                const secrets = clash.names.length === 1 ? 'secret' : 'secrets';
                at(target.line, target.path, `user '${user.iamUserName}' writes ${secrets} ${clash.names.join(' and ')} in ${scope}, and so does user '${clash.user.iamUserName}' (${other.path}, line ${other.line}): each run would overwrite the other user's key; give one of them other secret names with access-key-id-secret-name and secret-access-key-secret-name.`);
            }
        }
    });
}
function isSettingKey(key) {
    return Object.hasOwn(SETTINGS, key);
}
function keyText(key) {
    return (0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(key) ? String(key.value) : '';
}
/** A scalar as written (`0123` stays `0123`, `true` stays `true`); undefined for null or non-scalars. */
function scalarText(node) {
    if (!(0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(node) || node.value === null || node.value === undefined)
        return undefined;
    if (typeof node.value === 'string')
        return node.value;
    return node.source ?? String(node.value);
}
function isEmpty(node) {
    return node === null || ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isScalar */ .jn)(node) && (node.value === null || node.value === ''));
}
function kindOf(node) {
    if (isEmpty(node))
        return 'empty';
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isSeq */ .oP)(node))
        return 'a list';
    if ((0,yaml__WEBPACK_IMPORTED_MODULE_0__/* .isMap */ .jh)(node))
        return 'a mapping';
    return `'${scalarText(node) ?? ''}'`;
}
function topLevelHint(key) {
    if (RUN_INPUTS.includes(key))
        return runInputHint(key);
    if (isSettingKey(key))
        return `${key} goes under defaults: (for every user) or under a user`;
    if (USER_KEYS.includes(key))
        return `${key} goes in an entry under users:`;
    return undefined;
}
function runInputHint(key) {
    return `${key} is an input of the action, not a fleet setting: set it under with: in the workflow step, where it applies to every user`;
}
/** The allowed key closest to a mistyped one (case, _ and camelCase ignored), if any is close. */
function closest(key, allowed) {
    const normal = (text) => text
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .replace(/_/g, '-')
        .toLowerCase();
    const typed = normal(key);
    let best;
    for (const candidate of allowed) {
        const distance = editDistance(typed, candidate);
        if (distance < (best?.distance ?? Infinity))
            best = { key: candidate, distance };
    }
    return best !== undefined && best.distance <= Math.max(1, Math.floor(typed.length / 4))
        ? best.key
        : undefined;
}
function editDistance(a, b) {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
            current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
        }
        previous = current;
    }
    return previous[b.length] ?? 0;
}


/***/ })

};
