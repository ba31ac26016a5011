from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "wangge.funds"
    label = "funds"
    verbose_name = _("网格应急专项资金")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.funds.selectors import payment_visible_to, request_visible_to

        # Quotes and site photos hang on the request, receipts on the payment.
        register_access("funds.spendrequest", request_visible_to)
        register_access("funds.fundpayment", payment_visible_to)
