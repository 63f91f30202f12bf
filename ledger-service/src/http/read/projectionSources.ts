import { createAnchorStore } from '../../anchoring/anchorStore/factory';
import { createEventStore, eventStoreConfigFromEnv } from '../../eventStore/factory';
import { anchorFeedOf, eventFeedOf } from './wiring';

/**
 * What `node projections/dist/cli.js run|rebuild` loads (PROJECTIONS_SOURCES_MODULE): the event
 * store and anchor store named by EVENT_STORE, EVENT_STORE_URL and LEDGER_DATA_DIR, as feeds.
 */
export async function openProjectionSources(env: NodeJS.ProcessEnv = process.env) {
  const config = eventStoreConfigFromEnv(env);
  const eventStore = await createEventStore(config);
  const anchorStore = await createAnchorStore(config);
  return {
    events: eventFeedOf(eventStore),
    anchors: anchorFeedOf({ eventStore, anchorStore }),
    close: async () => {
      await anchorStore.close();
      await eventStore.close();
    },
  };
}
