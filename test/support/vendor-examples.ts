/**
 * The example requests and responses of the vendor documents (/work/shared/reference/vendor-api/),
 * copied as printed. The Testinium run-plan curl is HTML in its document (`&#x3C;` for `<`, a
 * `<strong>` around the first line): it is given here decoded. TesterArmy and Testsigma print no
 * curl line; theirs are written from the documents' request tables and SDK examples (method, URL,
 * the same headers, the same body).
 */
export const CURL = {
  testiniumRunPlan: `curl 'https://gateway.testinium.io/queue' \\
  -H 'accept: application/json, text/plain, */*' \\
  -H 'authorization: Bearer <your_access_token>' \\
  -H 'content-type: application/json' \\
  --data-raw '{"planId":<plan_id>,"userId":<user_id>}'`,

  testiniumRerun: `curl --location '<your-gateway-url>/queue/rerun' \\
--header 'accept: application/json, text/plain, */*' \\
--header 'authorization: Bearer <your_access_token>' \\
--header 'content-type: application/json' \\
--data '{
  "planId": 614,
  "userId": 13,
  "frameworkType": "APPIUM",
  "scenarioEnvironmentPairs": [
    {
      "scenarioId": 111,
      "environmentId": 222
     
    }
  ]
}'`,

  // rerun-test-plan-v2.0.md, as printed: its Authorization quote is never closed (a shell would wait
  // for more input), so the test closes that one quote and changes nothing else.
  testiniumRerunV2: `curl --location '{gateway-url}/queue/rerun' \\
--header 'Content-Type: application/json' \\
--header 'Authorization: Bearer <your_access_token>\\
--data '{
  "planId": {planId},
  "userId": {userId},
  "scenarioEnvironmentPairs": [
    {
      "scenarioId": {scenarioId},
      "environmentId": {environmentId}
    }
  ]
}'`,

  testiniumRestApi: `curl -X GET "<custom-env-url>/Testinium.RestApi/api/plans/{id}/run" \\
-H "Authorization: Bearer <your_access_token>" \\
-H "Accept: application/json"`,

  testerArmy: `curl -X POST 'https://tester.army/v1/tests/testId/runs' \\
  -H 'Authorization: Bearer <token>' \\
  -H 'Content-Type: application/json' \\
  -d '{}'`,

  testsigmaStart: `curl -X POST 'https://app.testsigma.com/api/v1/execution_results' \\
  -H 'Authorization: Bearer <api_token>' \\
  -H 'Content-Type: application/json' \\
  -d '{"executionId": "<test_plan_id>", "uploadVersions": {"<Device_ID>": <UPLOAD_VERSION_ID>}}'`,

  testsigmaStatus: `curl -X GET 'https://app.testsigma.com/api/v1/execution_results/<run_id>' \\
  -H 'Authorization: Bearer <api_token>'`,
};

/**
 * The example requests of testinium-enterprise-1.16.7/, copied as printed (the test result's
 * misses the `<` of its base URL, as printed too).
 */
export const TESTINIUM_ENTERPRISE = {
  login: `curl --location '<custom-env-url>/Testinium.RestApi/oauth/token' \\
--header 'Authorization: Basic <Base64(client_id:client_secret)>' \\
--header 'Accept: application/json' \\
--header 'Content-Type: application/x-www-form-urlencoded' \\
--data-urlencode 'grant_type=password' \\
--data-urlencode 'password= customer-password' \\
--data-urlencode 'username= customer-username' \\
--data-urlencode 'scope=api'`,
  checkIsRunning: `curl --location --request GET '<custom-env-url>/Testinium.RestApi/api/plans/{id}/checkIsRunning' \\
--header 'Authorization: Bearer <your_access_token>'`,
  forceRun: `curl -X GET "<custom-env-url>/Testinium.RestApi/api/plans/{id}/run/{forceRun}" \\
--header 'Authorization: Bearer <your_access_token>' \\
-H "Accept: application/json"`,
  getAllPlans: `curl --location '<custom-env-url>/Testinium.RestApi/api/plans' \\
--header 'Authorization: Bearer <your_access_token>' `,
  getPlan: `curl --location '<custom-env-url>/Testinium.RestApi/api/plans/{planNameOrId}' \\
--header 'Authorization: Bearer <your_access_token>'`,
  rerun: `curl --location --request POST "<custom-env-url>/Testinium.RestApi/api/plans/{planId}/rerun" \\
--header 'Content-Type: application/json' \\
--header 'Authorization: Bearer <your_access_token>' \\
--data '[16]'`,
  runWithCompany: `curl --location '<custom-env-url>/Testinium.RestApi/api/plans/{id}/run/company/{companyId}' \\
--header 'Authorization: Bearer <your_access_token>'`,
  stop: `curl -X GET '<custom-env-url>/Testinium.RestApi/api/plans/{id}/stop' \\
--header 'Authorization: Bearer <your_access_token>' \\
--header 'Content-Type: application/json'`,
  setAndroidApp: `curl --location --request PUT '<custom-env-url>/Testinium.RestApi/api/plans/{id}/setAndroidMobileApp/{mobileAppId}' \\
--header 'Accept: application/json' \\
--header 'Authorization: Bearer <token>'`,
  setIosApp: `curl --location --request PUT '<custom-env-url>/Testinium.RestApi/api/plans/{id}/setIosMobileApp/{mobileAppId}' \\
--header 'Accept: application/json' \\
--header 'Authorization: Bearer <token>'`,
  executionsOfPlan: `curl --location '<custom-env-url>/Testinium.RestApi/api/plans/{id}/testExecutions' \\
--header 'Authorization: Bearer <your_access_token>'`,
  execution: `curl --location '<custom-env-url>/Testinium.RestApi/api/testExecutions/{execId}' \\
--header 'Authorization: Bearer <your_access_token>'`,
  resultsOfExecution: `curl --location '<custom-env-url>/Testinium.RestApi/api/testResults/executionId/{execId}/pages/{page}' \\
--header 'Authorization: Bearer <your_access_token>'`,
  result: `curl --location 'custom-env-url>/Testinium.RestApi/api/testResults/{resultId}' \\
--header 'Authorization: Bearer <your_access_token>'`,
};

/** testsigma-more/rerun-test-cases-in-test-run.md: its rerun request body, as printed. */
export const TESTSIGMA_RERUN_EXAMPLE = {
  executionId: 336,
  executionResultId: 467,
  isReRun: true,
  reRunType: 'USER_PICKED',
  testCaseResultRequests: [{ id: 2880 }, { id: 2874 }],
};

/** rerun-test-plan-v2.0.md: its "Request Body" example, as printed. */
export const TESTINIUM_RERUN_V2_BODY = `{
  "planId": 704,
  "userId": 1,
  "scenarioEnvironmentPairs": [
    {
      "scenarioId": 4267,
      "environmentId": 2001
    },
    {
      "scenarioId": 4312,
      "environmentId": 2002
    }
  ]
}`;

/** The base URLs and token placeholders the documents use. */
const BASES = [
  'https://gateway.testinium.io',
  '{gateway-url}',
  '<your-gateway-url>',
  '<custom-env-url>',
  'custom-env-url>',
  'https://tester.army',
  'https://app.testsigma.com',
];
const TOKENS = ['<your_access_token>', '<token>', '<api_token>'];

/** A document's curl line with our base URL, our token, and the given placeholders filled in. */
export function fill(curl: string, base: string, token: string, values: Record<string, string | number> = {}): string {
  let out = curl;
  for (const b of BASES) out = out.split(b).join(base);
  for (const t of TOKENS) out = out.split(t).join(token);
  for (const [k, v] of Object.entries(values)) out = out.split(k).join(String(v));
  return out;
}

/** testsigma-execution-results.md, "Test Plan Status API", its example response. */
export const TESTSIGMA_STATUS_EXAMPLE = {
  id: 302,
  execution: {
    id: 274,
    applicationVersionId: 39,
    name: 'Test Plan Trigger REST API',
    description: null,
    mailList: null,
    elementTimeOut: 30,
    pageTimeOut: 30,
    environmentId: null,
    screenshot: 'FAILED_STEPS',
    recoveryAction: 'Run_Next_Testcase',
    onAbortedAction: 'Reuse_Session',
    onSuitePreRequisiteFail: 'Abort',
    onStepPreRequisiteFail: 'Run_Next_Testcase',
    reRunType: 'NONE',
    executionLabType: 'TestsigmaLab',
    executionType: 'CROSS_BROWSER',
    isManual: false,
    lastRunId: 343,
    applicationVersion: {
      id: 39,
      applicationId: 25,
      versionName: 'Default Version',
      description: null,
      startTime: null,
      customFields: null,
      endTime: null,
      application: {
        id: 25,
        name: 'Simply Travel (Demo)_Web Application',
        description: '',
        customFields: '{}',
        projectId: 11,
        applicationType: 'WebApplication',
        project: {
          id: 11,
          name: 'Simply Travel (Demo)',
          description: 'Demo application. <b>Feel free to delete</b>',
          customFields: '{"Custom Field 1":[null,null]}',
          hasMultipleApps: true,
          hasMultipleVersions: true,
          isDemo: true,
          projectType: 'WebApplication',
          createdBy: 9,
          updatedBy: 9,
          createdDate: 1567751924000,
          updatedDate: 1633635344000,
          files: null,
        },
        createdById: 9,
        updatedById: 9,
        createdDate: 1567751924000,
        updatedDate: 1568613490000,
      },
      updatedDate: null,
      createdById: 9,
      updatedById: null,
      createdDate: 1567751924000,
    },
    lastRun: null,
    slack: { enabled: null, channel: null, user_name: null },
    createdDate: 1633510913000,
    updatedDate: 1633617938000,
    createdById: 9,
    updatedById: 9,
    matchBrowserVersion: false,
    visualTestingEnabled: false,
    notificationStatusList: [],
    msTeamsConnectorNotificationEnabled: false,
    googleChatConnectorNotificationEnabled: false,
    environments: [],
    retrySessionCreation: false,
    retrySessionCreationTimeout: null,
    onTestCasePreRequisiteFail: 'Abort',
  },
  executionId: 274,
  startTime: 1633512584000,
  endTime: 1633512598000,
  duration: 13647,
  result: 'FAILURE',
  status: 'STATUS_COMPLETED',
  message: 'Test plan execution failed',
  executedBy: 43,
  buildNo: '1.9.26_rc1',
  environmentId: null,
  totalCount: 1,
  failedCount: 1,
  passedCount: 0,
  abortedCount: 0,
  stoppedCount: 0,
  notExecutedCount: 0,
  preRequisiteFailedCount: 0,
  queuedCount: 0,
  isVisuallyPassed: null,
  environment: null,
  childResult: null,
  reRunParentId: null,
  reRunType: null,
  triggeredType: 'API',
  totalRunningCount: 0,
  executionDetails: {
    page_timeout: 30,
    element_timeout: 30,
    recovery_action: 'Run_Next_Testcase',
    on_aborted_action: 'Reuse_Session',
    screenshot_option: 'FAILED_STEPS',
    group_prerequisite_fail: 'Abort',
    test_case_prerequisite_fail: 'Abort',
    test_step_prerequisite_fail: 'Run_Next_Testcase',
    global_param_name: null,
  },
  totalQueuedCount: 0,
};

/**
 * Every path (`execution.applicationVersion.id`) at which `actual` differs in shape from `example`:
 * a missing or extra key, or a value of another JSON type. `nullable` paths may be null where the
 * example has a value (data Proctor does not have, such as who created a Testsigma project).
 */
export function shapeDifferences(
  actual: unknown,
  example: unknown,
  nullable: ReadonlySet<string>,
  path = '',
): string[] {
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (example === null || type(example) !== 'object') {
    if (example === null || type(actual) === type(example)) return [];
    return actual === null && nullable.has(path)
      ? []
      : [`${path}: ${type(actual)} where the document has ${type(example)}`];
  }
  if (type(actual) !== 'object')
    return actual === null && nullable.has(path) ? [] : [`${path}: ${type(actual)} where the document has an object`];
  const a = actual as Record<string, unknown>;
  const e = example as Record<string, unknown>;
  const out = Object.keys(a)
    .filter((k) => !(k in e))
    .map((k) => `${path}${path ? '.' : ''}${k}: not in the document`);
  for (const k of Object.keys(e)) {
    const p = `${path}${path ? '.' : ''}${k}`;
    if (!(k in a)) out.push(`${p}: missing`);
    else out.push(...shapeDifferences(a[k], e[k], nullable, p));
  }
  return out;
}
