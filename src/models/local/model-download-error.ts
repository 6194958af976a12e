import { GantryError } from '../../agent/errors.ts';

/**
 * A model download failed or was refused: the server answered with an error, the connection broke,
 * or the bytes did not match the expected sha256. Nothing is left in the cache that a later run
 * would trust; running the same command again starts the download afresh.
 */
export class ModelDownloadError extends GantryError {}
