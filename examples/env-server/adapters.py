"""Adapter SKETCHES for ALFWorld, ScienceWorld and TextWorld. UNTESTED.

None of these packages is installed where Gantry is developed, so this code has never run: it
shows the shape of each adapter, following each package's documented API, and will need fixes
against the version you install. Each adapter turns a simulator into the environment shape
server.py serves (see its docstring), with results in the protocol's camelCase shape
(docs/environment-protocol.md). Serve one with:

    python3 server.py --env adapters:make_alfworld --option config=base_config.yaml
    python3 server.py --env adapters:make_scienceworld --option task=boil --option simplification=easy
    python3 server.py --env adapters:make_textworld --option games=./tw_games

``--option KEY=VALUE`` arguments become keyword arguments of the factory. The packages are
imported inside the factories, so this module loads without them.
"""

import glob
import os
import random


class EpisodeNotActive(Exception):
    """server.py maps an exception of this name to error -32000."""


class InvalidParams(ValueError):
    """server.py maps an exception of this name to error -32602."""


def _result(observation, admissible, info, reward=None, terminated=None, truncated=False):
    """Builds a ResetResult (no reward) or a StepResult in the protocol's shape."""
    result = {"observation": observation, "admissibleActions": list(admissible), "info": info}
    if reward is not None:
        result.update(reward=reward, terminated=bool(terminated), truncated=bool(truncated))
    return result


class _Episode:
    """Step counting and the step-after-the-end check every adapter needs."""

    def __init__(self):
        self.steps = 0
        self.active = False

    def start(self):
        self.steps, self.active = 0, True

    def check(self):
        if not self.active:
            raise EpisodeNotActive("No episode is running, or it has ended: call reset first.")

    def advance(self, ended):
        self.steps += 1
        if ended:
            self.active = False


# --- ALFWorld --------------------------------------------------------------------------------
# pip install alfworld; alfworld-download; export ALFWORLD_DATA=... (pass it to the server's env).

ALFWORLD_TASK_TYPES = {
    "pick_and_place_simple": "pick",
    "look_at_obj_in_light": "examine",
    "pick_clean_then_place_in_recep": "clean",
    "pick_heat_then_place_in_recep": "heat",
    "pick_cool_then_place_in_recep": "cool",
    "pick_two_obj_and_place": "pick_two",
}


class ALFWorldAdapter:
    name = "alfworld"
    task_types = sorted(set(ALFWORLD_TASK_TYPES.values()))

    def __init__(self, config="base_config.yaml", split="eval_out_of_distribution"):
        import yaml
        from alfworld.agents.environment import get_environment

        with open(config) as file:
            settings = yaml.safe_load(file)
        env_class = get_environment(settings["env"]["type"])  # "AlfredTWEnv": text only.
        # ALFWorld batches environments; Gantry plays one episode at a time.
        self._env = env_class(settings, train_eval=split).init_env(batch_size=1)
        self._episode = _Episode()
        self._task = {}

    def reset(self, task_id=None, seed=None):
        if task_id is not None:
            # ALFWorld walks through its game files in order and cannot jump to one by name.
            raise InvalidParams("this ALFWorld adapter cannot reset to a given taskId; pass a seed instead")
        if seed is not None:
            self._env.seed(seed)
        observations, infos = self._env.reset()
        # The observation ends with "Your task is to: put a clean lettuce in diningtable."
        opening, _, goal = observations[0].partition("Your task is to: ")
        game_file = infos["extra.gamefile"][0]
        family = next((short for long, short in ALFWORLD_TASK_TYPES.items() if long in game_file), None)
        self._task = {"taskId": os.path.relpath(os.path.dirname(game_file), os.environ.get("ALFWORLD_DATA", "/"))}
        if family is not None:
            self._task["taskType"] = family
        self._episode.start()
        info = {**self._task, "won": False, "steps": 0}
        return {**_result(opening.strip(), infos["admissible_commands"][0], info), "goal": goal.strip()}

    def step(self, action):
        self._episode.check()
        observations, scores, dones, infos = self._env.step([action])
        won = bool(infos["won"][0])
        self._episode.advance(ended=dones[0])
        observation = observations[0]
        info = {**self._task, "won": won, "steps": self._episode.steps, "valid": observation != "Nothing happens."}
        # ALFWorld's own step cap ends an episode without a win: that is a truncation.
        return _result(observation, infos["admissible_commands"][0], info, reward=float(scores[0]),
                       terminated=won, truncated=dones[0] and not won)

    def close(self):
        self._env.close()


def make_alfworld(config="base_config.yaml", split="eval_out_of_distribution"):
    return ALFWorldAdapter(config=config, split=split)


# --- ScienceWorld ----------------------------------------------------------------------------
# pip install scienceworld (needs Java). Newer releases name methods in snake_case and keep the
# older camelCase names as aliases; _call tries both.


def _call(obj, snake, camel, *args, **kwargs):
    method = getattr(obj, snake, None) or getattr(obj, camel)
    return method(*args, **kwargs)


class ScienceWorldAdapter:
    name = "scienceworld"

    def __init__(self, task=None, simplification="easy", step_limit=100):
        from scienceworld import ScienceWorldEnv

        self._env = ScienceWorldEnv("", envStepLimit=int(step_limit))
        self.task_types = list(_call(self._env, "get_task_names", "getTaskNames"))
        self._default_task = task or self.task_types[0]
        self._simplification = simplification
        self._episode = _Episode()
        self._task = {}

    def reset(self, task_id=None, seed=None):
        # taskId is "TASK" or "TASK/VARIATION", such as "boil/3".
        task, _, variation = (task_id or self._default_task).partition("/")
        if task not in self.task_types:
            raise InvalidParams(f'unknown taskId "{task_id}": tasks are {", ".join(self.task_types)}')
        if not variation:
            # The variations are known only once a task is loaded.
            _call(self._env, "load", "load", task, 0, self._simplification)
            variations = list(_call(self._env, "get_variations_train", "getVariationsTrain"))
            variation = str(random.Random(seed).choice(variations))
        _call(self._env, "load", "load", task, int(variation), self._simplification)
        observation, _info = self._env.reset()
        self._task = {"taskId": f"{task}/{variation}", "taskType": task}
        self._episode.start()
        goal = _call(self._env, "get_task_description", "getTaskDescription")
        info = {**self._task, "won": False, "steps": 0}
        return {**_result(observation, self._admissible(), info), "goal": goal}

    def step(self, action):
        self._episode.check()
        observation, _reward, done, info = self._env.step(action)
        # ScienceWorld scores 0 to 100 and ends at 100 (won) or on failure (negative score).
        score = info.get("score", 0)
        won = score >= 100
        self._episode.advance(ended=done)
        facts = {**self._task, "won": won, "steps": self._episode.steps, "score": score,
                 "valid": not observation.startswith("No known action matches")}
        return _result(observation, self._admissible(), facts, reward=1 if won else 0,
                       terminated=done, truncated=False)

    def _admissible(self):
        # Every valid action-object combination: large (hundreds) but exact.
        return _call(self._env, "get_valid_action_object_combinations", "getValidActionObjectCombinations")

    def close(self):
        self._env.close()


def make_scienceworld(task=None, simplification="easy", step_limit=100):
    return ScienceWorldAdapter(task=task, simplification=simplification, step_limit=step_limit)


# --- TextWorld -------------------------------------------------------------------------------
# pip install textworld; generate games with `tw-make` into a directory of .z8 / .ulx files.


class TextWorldAdapter:
    name = "textworld"

    def __init__(self, games, max_steps=50):
        import textworld
        import textworld.gym

        self._textworld = textworld
        self._gym = textworld.gym
        paths = sorted(glob.glob(os.path.join(games, "*.z8")) + glob.glob(os.path.join(games, "*.ulx")))
        if not paths:
            raise ValueError(f"no TextWorld games (*.z8, *.ulx) in {games}")
        self._games = {os.path.splitext(os.path.basename(path))[0]: path for path in paths}
        self._max_steps = int(max_steps)
        self._env = None
        self._episode = _Episode()
        self._task = {}

    def reset(self, task_id=None, seed=None):
        if task_id is None:
            task_id = random.Random(seed).choice(sorted(self._games))
        if task_id not in self._games:
            raise InvalidParams(f'unknown taskId "{task_id}": games are {", ".join(sorted(self._games))}')
        if self._env is not None:
            self._env.close()
        infos = self._textworld.EnvInfos(admissible_commands=True, objective=True, won=True, lost=True)
        env_id = self._gym.register_game(self._games[task_id], infos, max_episode_steps=self._max_steps)
        self._env = self._gym.make(env_id)
        if seed is not None:
            self._env.seed(seed)
        observation, infos = self._env.reset()
        self._task = {"taskId": task_id}
        self._episode.start()
        info = {**self._task, "won": False, "steps": 0}
        return {**_result(observation, infos["admissible_commands"], info), "goal": infos["objective"]}

    def step(self, action):
        self._episode.check()
        observation, _score, done, infos = self._env.step(action)
        won, lost = bool(infos["won"]), bool(infos["lost"])
        self._episode.advance(ended=done)
        info = {**self._task, "won": won, "steps": self._episode.steps}
        return _result(observation, infos["admissible_commands"], info, reward=1 if won else 0,
                       terminated=won or lost, truncated=done and not (won or lost))

    def close(self):
        if self._env is not None:
            self._env.close()


def make_textworld(games, max_steps=50):
    return TextWorldAdapter(games=games, max_steps=max_steps)
