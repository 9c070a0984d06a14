/** The scheme of the proposed documents Edit Selection shows on the right of VS Code's diff editor. */
export const EDIT_SCHEME = 'spark-edit';
