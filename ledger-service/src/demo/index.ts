export {
  createDemoPlan,
  DEMO_AGENCIES,
  type DemoPlan,
  type DemoPlanOptions,
  type DemoAgency,
  type PlannedEvent,
  type PlannedSupervisionEvent,
  type PlantedWarning,
} from './plan';
export { storeSink, httpSink, writePlan, chunksOf, type DemoSink, type WriteResult } from './sinks';
export { eventFeedOf, logEventOf } from '../http/read/wiring';
export { main as demoDataMain, DEMO_TOKENS } from './cli';
export { JIANGSU_CITIES, COUNTIES } from './geography';
