"""The rows each stage of the curriculum implies, for the benchmark seed (``seed.Seeder`` uses this mixin).

Atone: the naming exercise, accountability statements and the hurt partner's
responses, questions and answers, later exercises. Attune: the inner-world
exercises and incidents with their aftermath. Attach: agreements with their
logs, rituals, appreciations. The mixin writes through the seeder's tables
(``self.t``), random generator (``self.rng``), clock (``self.at``) and
curriculum; moving the code here changed none of the rows, in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STAGES = (0, 1, 2, 3, 4)
NEW, ONBOARDED, ATONE, ATTUNE, ATTACH = STAGES
HURT, CAUSED, BOTH = "hurt", "caused", "both"


@dataclass
class SeededCouple:
    couple_id: int
    a: int  # user ids, slot 1 and 2
    b: int
    stage: int
    exercise_slugs: list[str]  # paired exercises with a run, for the exercise pages of the load


class CurriculumStages:
    @staticmethod
    def _participants(audience: str, roles: dict[int, str]) -> list[int]:
        if audience == "both":
            return list(roles)
        return [user for user, role in roles.items() if role in (audience, BOTH)]

    def _run(self, seeded: SeededCouple, slug: str, roles, days_ago: float, *, state: str, incident=None) -> None:
        """One step-by-step exercise: ``state`` is "revealed", "waiting" (one submitted) or "draft"."""
        if slug not in self.curriculum:
            return
        exercise, steps = self.curriculum[slug]
        people = self._participants(exercise.audience, roles)
        started = self.at(days_ago)
        revealed = self.at(days_ago - 2) if state == "revealed" else None
        run = self.t["runs"].add(seeded.couple_id, exercise.pk, incident, started, revealed, "", None)
        if incident is None:
            seeded.exercise_slugs.append(slug)
        for index, user in enumerate(people):
            if state == "revealed":
                submitted = revealed
            elif state == "waiting" and index == 0:
                submitted = self.at(days_ago - 1)
            elif index == 0:
                submitted = None  # a draft
            else:
                continue
            response = self.t["responses"].add(run, user, "couple", started, submitted or started, submitted)
            for step in steps:
                guess = self.answer_value(step) if step.ask_guess else None
                self.t["answers"].add(
                    response, step.pk, step.prompt, step.order, self.answer_value(step), guess, 1, submitted or started
                )

    def _atone(self, seeded: SeededCouple, roles, days_ago: int) -> None:
        rng, t, couple = self.rng, self.t, seeded.couple_id
        writer = next(user for user, role in roles.items() if role in (CAUSED, BOTH))
        hurt = next(user for user, role in roles.items() if role in (HURT, BOTH) and user != writer)
        done = seeded.stage >= ATTUNE
        self._run(seeded, "naming-what-happened", roles, days_ago, state="revealed")
        revisions = 2 if done else 1
        for revision in range(1, revisions + 1):
            when = self.at(days_ago - 4 * revision)
            statement = t["statements"].add(
                couple, writer, revision, "I lied to you, and it was my choice. I am sorry for what it did to you.",
                "couple", when,
            )  # fmt: skip
            if done or rng.random() < 0.5:
                heard = done and revision == revisions
                t["statement_responses"].add(
                    statement, hurt, 8 if heard else 4, "" if heard else "Why it went on so long.", heard,
                    self.at(days_ago - 4 * revision - 1),
                )  # fmt: skip
        for number in range(rng.randint(2, 6)):
            when = self.at(days_ago - 2 - number)
            question = t["questions"].add(
                couple, hurt, f"What were you thinking that night? ({number + 1})", None, number == 0, "couple", when
            )
            if rng.random() < (0.9 if done else 0.6):
                t["question_answers"].add(
                    question, writer, 1, "I was thinking only of myself.", self.at(days_ago - 3 - number)
                )
        if done:
            self._run(seeded, "carrying-the-hurt", roles, days_ago - 10, state="revealed")
            self._run(seeded, "owning-it-without-defending", roles, days_ago - 14, state="revealed")
            if rng.random() < 0.5:
                self._run(seeded, "transparency-we-agree-on", roles, days_ago - 18, state="revealed")
        elif rng.random() < 0.5:
            self._run(seeded, "carrying-the-hurt", roles, days_ago - 10, state="draft")

    def _attune(self, seeded: SeededCouple, roles, days_ago: int) -> None:
        rng = self.rng
        if seeded.stage >= ATTACH:
            for offset, slug in enumerate(("inner-world-fears", "inner-world-needs-and-dreams", "what-the-hurt-meant")):
                self._run(seeded, slug, roles, days_ago - 5 * offset, state="revealed")
        else:
            state = rng.choices(("revealed", "waiting", None), (0.4, 0.4, 0.2))[0]
            if state:
                self._run(seeded, "inner-world-fears", roles, days_ago, state=state)
        for number in range(rng.choice((0, 0, 1, 2))):
            when = self.at(days_ago - 3 - number)
            incident = self.t["incidents"].add(
                seeded.couple_id, seeded.a, "The argument about the phone", when.date(), when
            )
            state = "revealed" if rng.random() < 0.5 else "waiting"
            self._run(seeded, "aftermath-of-a-fight", roles, days_ago - 3 - number, state=state, incident=incident)

    def _attach(self, seeded: SeededCouple, days_ago: int) -> None:
        rng, t, couple = self.rng, self.t, seeded.couple_id
        days_ago = max(days_ago, 20)
        for number in range(rng.randint(1, 3)):
            proposer, other = (seeded.a, seeded.b) if number % 2 == 0 else (seeded.b, seeded.a)
            when = self.at(days_ago - number)
            agreement = t["agreements"].add(
                couple, proposer, "openness", "We tell each other when an old contact gets in touch.",
                self.today + dt.timedelta(days=30), "accepted", None, when, when,
            )  # fmt: skip
            for check in range(rng.randint(2, 6)):
                on = self.today - dt.timedelta(days=days_ago - number - 2 - 2 * check)
                confirmed = check > 0 or rng.random() < 0.8
                t["agreement_checks"].add(
                    agreement, other, rng.random() < 0.85, "", min(on, self.today), proposer if confirmed else None,
                    self.at(days_ago - number - 3 - 2 * check) if confirmed else None, self.at(days_ago - number - 2 - 2 * check),
                )  # fmt: skip
        if rng.random() < 0.3:
            t["agreements"].add(
                couple, seeded.b, "money", "We talk before any purchase over 200.", None, "proposed", None, None,
                self.at(2),
            )  # fmt: skip
        for number in range(rng.randint(1, 2)):
            ritual = t["rituals"].add(
                couple, seeded.a, "A walk together", "after dinner", "weekly", True, self.at(days_ago - number)
            )
            for week in range(rng.randint(3, 12)):
                on = self.today - dt.timedelta(days=7 * week + number + 1)
                t["rituals_done"].add(ritual, seeded.b if week % 2 else seeded.a, on, self.at(7 * week + number + 1))
        total = rng.randint(4, 16)
        unseen = rng.randint(0, 2)
        for number in range(total):
            sender, recipient = (seeded.a, seeded.b) if number % 2 == 0 else (seeded.b, seeded.a)
            sent = self.at(max(1, days_ago - 3 * number))
            seen = None if number >= total - unseen else sent + dt.timedelta(hours=3)
            t["appreciations"].add(
                couple, sender, recipient, "effort", "Thank you for making time for us this week.", "couple", sent, seen
            )
        if rng.random() < 0.3:
            self._run(seeded, "small-promises-kept", {seeded.a: BOTH, seeded.b: BOTH}, 10, state="revealed")
