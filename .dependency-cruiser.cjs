/**
 * Import rules that keep the folders honest (`npm run check:imports`, part of `npm test`).
 * Production code is every folder a deployable carries; local-stack/, bench/ and test/ are tooling around it.
 */
const PRODUCTION = '^(activities|bridge|contract|operator-cli|service|watchdogs|worker|workflows)/';

module.exports = {
  forbidden: [
    {
      name: 'no-import-cycle',
      comment: 'An import cycle (type-only ones included) means two files cannot be read or changed apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-imports-no-tooling',
      comment: 'A deployable holds no local-stack/, bench/, test/ or release/ code: production code must not import it.',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { path: '^(local-stack|bench|test|release)/' },
    },
    {
      name: 'workflows-import-only-workflow-safe-code',
      comment:
        'Workflow code runs in the deterministic sandbox: it may import workflow code, the contract, the ' +
        "activities' contracts (types) and retry policies (plain data), the workflow SDK, and for tracing the " +
        'OpenTelemetry API and the workflow side of the Temporal interceptors (workflows/tracing-interceptors.ts); nothing that does I/O.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        pathNot: [
          '^workflows/',
          '^contract/(completion-fields|completion-message|date-priority|game-date-mode|pipeline-definition|processor-names|time-zone-formats|transition-rules|trigger-payloads)\\.ts$',
          '^activities/(activity-contracts|activity-error-types|retry-policies)\\.ts$',
          '^node_modules/@temporalio/(workflow|common)/',
          '^node_modules/@opentelemetry/api/',
          '^node_modules/@temporalio/interceptors-opentelemetry/lib/(workflow/|instrumentation\\.)',
        ],
      },
    },
    {
      name: 'contract-stands-alone',
      comment: 'The contract is shared by bridge, workflows, activities and the CLI: it imports none of them.',
      severity: 'error',
      from: { path: '^contract/' },
      to: { path: '^(activities|bridge|operator-cli|service|watchdogs|worker|workflows|local-stack|bench|test)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.tools|\\.data|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
