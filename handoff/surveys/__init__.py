"""Customer satisfaction: a short question in the customer's own channel, and its answers.

- :mod:`handoff.surveys.book`: the ``surveys`` table, what to ask and when
  (after a closed handoff; after a session the bot resolved, when
  ``HANDOFF_CSAT_AFTER_BOT`` is on), and the answers read back from the
  conversation records;
- :mod:`handoff.surveys.runner`: the background step that asks through the
  Rasa server (which owns the channels: buttons on Telegram and Messenger,
  "reply 1-5" on SMS, SMS opt-outs and Messenger's window respected, see
  bot.channels.surveys) and opens a handoff again after a low score.

The answers travel as Rasa events (slots ``csat_score`` and
``csat_comment`` with the survey's id), so they reach the records, the
insights and the CRM export by the same stream as everything else.
"""

from handoff.surveys.book import SURVEY_CHANNELS, Survey, SurveyBook
from handoff.surveys.runner import SurveyRunner

__all__ = ["SURVEY_CHANNELS", "Survey", "SurveyBook", "SurveyRunner"]
