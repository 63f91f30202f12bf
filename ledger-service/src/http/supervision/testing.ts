import type { SubjectIndex } from './jurisdiction';

/** An index that knows no certification: for tests whose supervision events name none (a complaint about nothing in particular). */
export const NO_SUBJECTS: SubjectIndex = { certificationsNamed: async () => [] };
