export { supervisionRoutes, type SupervisionRoutesOptions } from './routes';
export { calculatorRoutes, auditTimeOf, sampleSizeOf, type CalculatorRoutesOptions } from './calculators';
export {
  createSupervisionWriter,
  parseSupervisionSubmission,
  type SupervisionWriter,
  type SupervisionWriterOptions,
  type SupervisionSubmission,
} from './supervisionWriter';
export { supervisionOpenApiPaths } from './openapi';
export {
  checkJurisdiction,
  readModelSubjectIndex,
  subjectsOf,
  type ReadModelSubjectIndexOptions,
  type Subject,
  type SubjectIndex,
} from './jurisdiction';
export { md5MinimumAuditDays } from './wiring';
export { renderRegulatorPage } from './page';
export { createSupervisionPart, type SupervisionPart, type SupervisionPartOptions } from './part';
