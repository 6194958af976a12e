/**
 * What a household can contain: receptacle types, object types with their properties, and the four
 * room types with the receptacles and objects each holds. Modelled on ALFWorld/ALFRED, trimmed to
 * what the six task families need plus enough clutter to make search non-trivial.
 */

/** The room types; each task family draws from the rooms that can hold its task. */
export type RoomType = 'kitchen' | 'livingroom' | 'bedroom' | 'bathroom';

/** A receptacle type: where objects sit, and whether it has a door. */
export interface ReceptacleKind {
  readonly type: string;
  /** You see inside, take from and put in it only while it is open. */
  readonly openable: boolean;
}

/** An object type and what can be done to it. */
export interface ObjectKind {
  readonly type: string;
  readonly pickupable: boolean;
  readonly heatable: boolean;
  readonly coolable: boolean;
  readonly cleanable: boolean;
  readonly sliceable: boolean;
  /** A knife: slices what is sliceable. */
  readonly slicer: boolean;
  /** A lamp: `use` toggles it. */
  readonly lamp: boolean;
  /** Receptacle types it plausibly sits in: where layouts put it and where tasks ask for it. */
  readonly places: readonly string[];
}

const OPENABLE = new Set(['fridge', 'microwave', 'cabinet', 'drawer', 'safe']);

const RECEPTACLE_TYPES = [
  'armchair', 'bathtubbasin', 'bed', 'cabinet', 'coffeemachine', 'coffeetable', 'countertop', 'desk',
  'diningtable', 'drawer', 'dresser', 'fridge', 'garbagecan', 'handtowelholder', 'laundryhamper',
  'microwave', 'safe', 'shelf', 'sidetable', 'sinkbasin', 'sofa', 'stoveburner', 'toaster', 'toilet',
  'toiletpaperhanger', 'towelholder', 'tvstand',
];

export const RECEPTACLE_KINDS: ReadonlyMap<string, ReceptacleKind> = new Map(
  RECEPTACLE_TYPES.map((type) => [type, { type, openable: OPENABLE.has(type) }]),
);

type Trait = 'heat' | 'cool' | 'clean' | 'slice' | 'slicer' | 'lamp' | 'fixed';

function kind(type: string, traits: readonly Trait[], places: readonly string[]): ObjectKind {
  return {
    type,
    pickupable: !traits.includes('fixed'),
    heatable: traits.includes('heat'),
    coolable: traits.includes('cool'),
    cleanable: traits.includes('clean'),
    sliceable: traits.includes('slice'),
    slicer: traits.includes('slicer'),
    lamp: traits.includes('lamp'),
    places,
  };
}

const FOOD_PLACES = ['countertop', 'diningtable', 'fridge', 'garbagecan', 'microwave', 'sinkbasin'];
const DISH_PLACES = ['cabinet', 'countertop', 'diningtable', 'fridge', 'microwave', 'shelf', 'sinkbasin'];
const CUTLERY_PLACES = ['countertop', 'diningtable', 'drawer', 'sinkbasin'];
const DESK_THINGS = ['desk', 'drawer', 'dresser', 'shelf', 'sidetable'];
const SEATS = ['armchair', 'sofa'];
const FOOD: Trait[] = ['heat', 'cool', 'clean'];
const SLICED_FOOD: Trait[] = ['heat', 'cool', 'clean', 'slice'];
const DISH: Trait[] = ['heat', 'cool', 'clean'];

const OBJECT_LIST: ObjectKind[] = [
  kind('apple', SLICED_FOOD, FOOD_PLACES),
  kind('tomato', SLICED_FOOD, FOOD_PLACES),
  kind('potato', SLICED_FOOD, FOOD_PLACES),
  kind('lettuce', SLICED_FOOD, ['countertop', 'diningtable', 'fridge', 'garbagecan', 'sinkbasin']),
  kind('bread', SLICED_FOOD, ['countertop', 'diningtable', 'fridge', 'garbagecan', 'microwave']),
  kind('egg', FOOD, FOOD_PLACES),
  kind('mug', DISH, [...DISH_PLACES, 'coffeemachine', 'desk', 'sidetable']),
  kind('cup', DISH, DISH_PLACES),
  kind('plate', DISH, DISH_PLACES),
  kind('bowl', DISH, [...DISH_PLACES, 'coffeetable', 'desk', 'sidetable']),
  kind('pan', ['cool', 'clean'], ['cabinet', 'countertop', 'diningtable', 'fridge', 'sinkbasin', 'stoveburner']),
  kind('pot', ['cool', 'clean'], ['cabinet', 'countertop', 'diningtable', 'fridge', 'shelf', 'sinkbasin', 'stoveburner']),
  kind('kettle', ['clean'], ['cabinet', 'countertop', 'diningtable', 'shelf', 'stoveburner']),
  kind('winebottle', ['cool'], ['cabinet', 'countertop', 'diningtable', 'fridge', 'shelf']),
  kind('knife', ['clean', 'slicer'], CUTLERY_PLACES),
  kind('butterknife', ['clean', 'slicer'], CUTLERY_PLACES),
  kind('spoon', ['clean'], CUTLERY_PLACES),
  kind('fork', ['clean'], CUTLERY_PLACES),
  kind('spatula', ['clean'], CUTLERY_PLACES),
  kind('ladle', ['clean'], CUTLERY_PLACES),
  kind('saltshaker', [], ['cabinet', 'countertop', 'diningtable', 'drawer', 'shelf']),
  kind('peppershaker', [], ['cabinet', 'countertop', 'diningtable', 'drawer', 'shelf']),
  kind('dishsponge', ['clean'], ['cabinet', 'countertop', 'diningtable', 'drawer', 'sinkbasin']),
  kind('soapbottle', [], ['cabinet', 'countertop', 'garbagecan', 'shelf', 'toilet']),
  kind('soapbar', ['clean'], ['bathtubbasin', 'cabinet', 'countertop', 'garbagecan', 'sinkbasin', 'toilet']),
  kind('spraybottle', [], ['cabinet', 'countertop', 'garbagecan', 'shelf', 'toilet']),
  kind('toiletpaper', [], ['cabinet', 'countertop', 'garbagecan', 'shelf', 'toilet', 'toiletpaperhanger']),
  kind('candle', [], ['cabinet', 'countertop', 'drawer', 'shelf', 'toilet']),
  kind('cloth', ['clean'], ['bathtubbasin', 'cabinet', 'countertop', 'drawer', 'sinkbasin', 'toilet']),
  kind('towel', [], ['bathtubbasin', 'cabinet', 'countertop', 'towelholder']),
  kind('handtowel', [], ['cabinet', 'countertop', 'handtowelholder']),
  kind('book', [], [...DESK_THINGS, ...SEATS, 'bed', 'coffeetable', 'diningtable']),
  kind('cd', [], [...DESK_THINGS, 'garbagecan', 'safe']),
  kind('pen', [], [...DESK_THINGS, 'coffeetable', 'diningtable']),
  kind('pencil', [], [...DESK_THINGS, 'coffeetable', 'diningtable']),
  kind('alarmclock', [], ['desk', 'dresser', 'shelf', 'sidetable']),
  kind('cellphone', [], [...DESK_THINGS, ...SEATS, 'bed', 'coffeetable', 'diningtable']),
  kind('keychain', [], [...DESK_THINGS, ...SEATS, 'coffeetable', 'safe']),
  kind('creditcard', [], [...DESK_THINGS, ...SEATS, 'coffeetable', 'diningtable']),
  kind('remotecontrol', [], [...SEATS, 'coffeetable', 'diningtable', 'dresser', 'sidetable', 'tvstand']),
  kind('statue', [], ['cabinet', 'coffeetable', 'desk', 'diningtable', 'dresser', 'shelf', 'sidetable', 'tvstand']),
  kind('vase', [], ['cabinet', 'coffeetable', 'desk', 'diningtable', 'dresser', 'safe', 'shelf', 'sidetable']),
  kind('pillow', [], [...SEATS, 'bed']),
  kind('newspaper', [], [...SEATS, 'coffeetable', 'diningtable', 'dresser', 'garbagecan', 'sidetable']),
  kind('watch', [], [...DESK_THINGS, 'coffeetable', 'safe']),
  kind('laptop', [], [...SEATS, 'bed', 'coffeetable', 'desk', 'diningtable', 'dresser', 'sidetable']),
  kind('box', [], [...SEATS, 'coffeetable', 'diningtable', 'dresser', 'shelf', 'sidetable']),
  kind('desklamp', ['lamp', 'fixed'], ['desk', 'dresser', 'sidetable']),
  kind('floorlamp', ['lamp', 'fixed'], ['dresser', 'sidetable']),
];

export const OBJECT_KINDS: ReadonlyMap<string, ObjectKind> = new Map(OBJECT_LIST.map((k) => [k.type, k]));

/** A receptacle type a room has, with how many of it (inclusive bounds; 0 means it may be missing). */
export interface ReceptacleCount {
  readonly type: string;
  readonly min: number;
  readonly max: number;
}

/** A room type: its receptacles and the object types that may appear in it. */
export interface RoomKind {
  readonly type: RoomType;
  readonly receptacles: readonly ReceptacleCount[];
  /** Object types found here, lamps excluded (the layout adds a lamp where a task needs one). */
  readonly objects: readonly string[];
  /** Lamp types found here. */
  readonly lamps: readonly string[];
}

function counts(spec: Record<string, [number, number]>): ReceptacleCount[] {
  return Object.entries(spec).map(([type, [min, max]]) => ({ type, min, max }));
}

export const ROOM_KINDS: ReadonlyMap<RoomType, RoomKind> = new Map<RoomType, RoomKind>([
  ['kitchen', {
    type: 'kitchen',
    receptacles: counts({
      cabinet: [4, 10], coffeemachine: [1, 1], countertop: [1, 3], diningtable: [0, 1], drawer: [2, 6],
      fridge: [1, 1], garbagecan: [1, 1], microwave: [1, 1], shelf: [0, 3], sinkbasin: [1, 1],
      stoveburner: [2, 4], toaster: [1, 1],
    }),
    objects: [
      'apple', 'bowl', 'bread', 'butterknife', 'cup', 'dishsponge', 'egg', 'fork', 'kettle', 'knife', 'ladle',
      'lettuce', 'mug', 'pan', 'peppershaker', 'plate', 'pot', 'potato', 'saltshaker', 'soapbottle', 'spatula',
      'spoon', 'tomato', 'winebottle',
    ],
    lamps: [],
  }],
  ['livingroom', {
    type: 'livingroom',
    receptacles: counts({
      armchair: [0, 2], cabinet: [0, 4], coffeetable: [1, 1], diningtable: [0, 1], drawer: [0, 4],
      dresser: [0, 1], garbagecan: [1, 1], safe: [0, 1], shelf: [0, 3], sidetable: [1, 2], sofa: [1, 1],
      tvstand: [0, 1],
    }),
    objects: [
      'book', 'bowl', 'box', 'creditcard', 'keychain', 'laptop', 'newspaper', 'pillow', 'remotecontrol',
      'statue', 'vase', 'watch',
    ],
    lamps: ['floorlamp', 'desklamp'],
  }],
  ['bedroom', {
    type: 'bedroom',
    receptacles: counts({
      armchair: [0, 1], bed: [1, 1], desk: [1, 2], drawer: [1, 6], dresser: [0, 1], garbagecan: [1, 1],
      laundryhamper: [0, 1], safe: [0, 1], shelf: [0, 5], sidetable: [0, 2],
    }),
    objects: [
      'alarmclock', 'book', 'bowl', 'cd', 'cellphone', 'creditcard', 'keychain', 'laptop', 'mug', 'pen',
      'pencil', 'pillow', 'vase', 'watch',
    ],
    lamps: ['desklamp'],
  }],
  ['bathroom', {
    type: 'bathroom',
    receptacles: counts({
      bathtubbasin: [0, 1], cabinet: [1, 4], countertop: [1, 1], drawer: [0, 3], garbagecan: [1, 1],
      handtowelholder: [0, 1], shelf: [0, 2], sinkbasin: [1, 2], toilet: [1, 1], toiletpaperhanger: [1, 1],
      towelholder: [0, 1],
    }),
    objects: [
      'candle', 'cloth', 'dishsponge', 'handtowel', 'soapbar', 'soapbottle', 'spraybottle', 'toiletpaper', 'towel',
    ],
    lamps: [],
  }],
]);

/** The kind of an object type; throws for a type the catalog does not have (a bug, not user input). */
export function objectKind(type: string): ObjectKind {
  const found = OBJECT_KINDS.get(type);
  if (found === undefined) throw new Error(`Unknown object type "${type}".`);
  return found;
}
