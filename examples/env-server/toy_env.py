"""A tiny text environment: two rooms, a hidden key and a locked chest.

It has the shape every environment served by server.py must have (see server.py):
``name``, ``task_types``, ``reset(task_id=None, seed=None)``, ``step(action)`` and ``close()``,
with results that are plain dicts in the protocol's shape (camelCase keys, as in
docs/environment-protocol.md). Only the standard library is used.

The layout is a function of the seed alone: the chest is in the hall or the study, the key
under the rug (hall), in the desk or on the shelf (study). The agent starts in the hall.
"""

import random

TASK_TYPE = "open-chest"
MAX_STEPS = 50

ROOMS = ("hall", "study")
PLACES = {"hall": ("rug",), "study": ("desk", "shelf")}
PLACE_ROOM = {place: room for room, places in PLACES.items() for place in places}
# How a place is searched, and what it is called when the key turns up there.
SEARCH_VERB = {"rug": "look under rug", "desk": "open desk", "shelf": "search shelf"}
KEY_FOUND = {
    "rug": "You lift the rug. There is a brass key under it.",
    "desk": "You open the desk drawer. There is a brass key inside.",
    "shelf": "You run your hand along the shelf. There is a brass key behind the books.",
}
NOTHING_FOUND = {
    "rug": "You lift the rug. There is only dust under it.",
    "desk": "You open the desk drawer. It is empty.",
    "shelf": "You run your hand along the shelf. There are only books.",
}


class EpisodeNotActive(Exception):
    """step() before reset(), or after the episode ended (JSON-RPC error -32000)."""


class InvalidParams(ValueError):
    """A reset parameter the environment cannot use, such as an unknown task id (-32602)."""


class ToyEnvironment:
    name = "toy-chest"
    task_types = [TASK_TYPE]

    def __init__(self):
        self._episodes = 0
        self._state = None

    def reset(self, task_id=None, seed=None):
        """Starts an episode. Without a seed, episodes take seeds 0, 1, 2... in turn."""
        if task_id is not None:
            family, _, seed_text = task_id.partition("/")
            if family != TASK_TYPE or (seed_text and not seed_text.isdigit()):
                raise InvalidParams(
                    f'unknown taskId "{task_id}": expected "{TASK_TYPE}" or "{TASK_TYPE}/SEED"'
                )
            if seed_text:
                seed = int(seed_text)
        if seed is None:
            seed = self._episodes
        self._episodes += 1
        rng = random.Random(seed)
        self._state = {
            "seed": seed,
            "room": "hall",
            "chest_room": rng.choice(ROOMS),
            "key_place": rng.choice(sorted(PLACE_ROOM)),
            "key_seen": False,
            "has_key": False,
            "unlocked": False,
            "steps": 0,
            "done": False,
        }
        return {
            "observation": self._describe_room(),
            "goal": "open the chest.",
            "admissibleActions": self._admissible(),
            "info": self._info(won=False),
        }

    def step(self, action):
        state = self._state
        if state is None:
            raise EpisodeNotActive("No episode is running: call reset first.")
        if state["done"]:
            raise EpisodeNotActive("The episode has ended: call reset to start a new one.")
        command = " ".join(action.lower().split())
        admissible = self._admissible()
        state["steps"] += 1
        won = False
        if command in admissible:
            observation, won = self._apply(command)
            valid = True
        else:
            observation, valid = "Nothing happens.", False
        truncated = not won and state["steps"] >= MAX_STEPS
        state["done"] = won or truncated
        return {
            "observation": observation,
            "reward": 1 if won else 0,
            "terminated": won,
            "truncated": truncated,
            "admissibleActions": [] if state["done"] else self._admissible(),
            "info": self._info(won=won, valid=valid),
        }

    def close(self):
        self._state = None

    def _apply(self, command):
        state = self._state
        if command == "look":
            return self._describe_room(), False
        if command == "inventory":
            return ("You are carrying a brass key." if state["has_key"] else "You are carrying nothing."), False
        if command.startswith("go to "):
            state["room"] = command[len("go to "):]
            return self._describe_room(), False
        if command == "take key":
            state["has_key"] = True
            return "You take the brass key.", False
        if command == "unlock chest with key":
            state["unlocked"] = True
            return "You turn the key in the lock. The chest is unlocked.", False
        if command == "open chest":
            if state["unlocked"]:
                return "You open the chest. Inside is a pile of gold coins. You win!", True
            return "The chest is locked.", False
        place = next(p for p, verb in SEARCH_VERB.items() if verb == command)
        if state["key_place"] == place and not state["has_key"]:
            state["key_seen"] = True
            return KEY_FOUND[place], False
        return NOTHING_FOUND[place], False

    def _admissible(self):
        state = self._state
        room = state["room"]
        actions = ["look", "inventory"]
        actions += [f"go to {other}" for other in ROOMS if other != room]
        actions += [SEARCH_VERB[place] for place in PLACES[room]]
        key_here = state["key_seen"] and not state["has_key"] and PLACE_ROOM[state["key_place"]] == room
        if key_here:
            actions.append("take key")
        if state["chest_room"] == room:
            if state["has_key"] and not state["unlocked"]:
                actions.append("unlock chest with key")
            actions.append("open chest")
        return actions

    def _describe_room(self):
        state = self._state
        room = state["room"]
        things = {"hall": ["a rug"], "study": ["a desk", "a shelf"]}[room]
        if state["chest_room"] == room:
            things.append("a chest")
        other = next(r for r in ROOMS if r != room)
        listed = things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]
        return f"You are in the {room}. You see {listed}. A doorway leads to the {other}."

    def _info(self, won, valid=None):
        info = {
            "taskId": f"{TASK_TYPE}/{self._state['seed']}",
            "taskType": TASK_TYPE,
            "won": won,
            "steps": self._state["steps"],
        }
        if valid is not None:
            info["valid"] = valid
        return info
