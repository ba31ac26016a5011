from django.core.management.base import BaseCommand

from wangge.notify.services import outbox_deliver_due


class Command(BaseCommand):
    help = "Deliver every due webhook message now, batch after batch, then exit."

    def handle(self, *args, **options):
        total = {"delivered": 0, "retried": 0, "dead": 0, "deferred": 0}
        while True:
            report = outbox_deliver_due()
            for key in total:
                total[key] += getattr(report, key)
            if not report.claimed:
                break
        self.stdout.write(
            "已送达 {delivered}，待重试 {retried}，死信 {dead}，暂缓 {deferred}".format(**total)
        )
