"""Generate a large, realistic catalogue for benchmarks: N distinct keys in en, es and zh.

    python benchmarks/make_catalogue.py OUT_DIR [--keys 1000] [--seed 7]

Every key is written anew from parallel sentence banks (English, Spanish,
Chinese): its own subject, a body of a few sentences in a random order, with
its own variables and examples, filters in some texts, a loop or a condition
in a minority, greeting and sign-off in most, a chat text in about 60% of keys
and an SMS in about 10%. No two texts are the same, so a cache hit can only
come from the text itself. The same seed gives the same catalogue, byte for
byte; translations carry their source's revision (``source:``).
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path
from typing import Any

import yaml

import replykit
from replykit.library import shipped_catalogue

LANGUAGES = ("en", "es", "zh")

#: Variables: type, and an example for each language (``r`` is the generator).
_CARRIERS = ["DHL", "UPS", "FedEx", "Correos", "SF Express", "Estafeta", "GLS"]
_PRODUCTS = [
    ("blue backpack", "mochila azul", "蓝色双肩包"),
    ("wool scarf", "bufanda de lana", "羊毛围巾"),
    ("desk lamp", "lámpara de escritorio", "台灯"),
    ("running shoes", "zapatillas de correr", "跑步鞋"),
    ("coffee grinder", "molinillo de café", "咖啡研磨机"),
    ("phone case", "funda de móvil", "手机壳"),
    ("linen shirt", "camisa de lino", "亚麻衬衫"),
    ("travel mug", "taza de viaje", "旅行杯"),
]
_COUNTRIES = [("Mexico", "México", "墨西哥"), ("Spain", "España", "西班牙"), ("Chile", "Chile", "智利"),
              ("Canada", "Canadá", "加拿大"), ("Taiwan", "Taiwán", "台湾")]  # fmt: skip
_CUSTOMERS = [
    ({"first_name": "Maria", "last_name": "Garcia", "gender": "female"},
     {"first_name": "María", "last_name": "García", "gender": "female"},
     {"first_name": "小红", "last_name": "李", "gender": "female"}),
    ({"first_name": "James", "last_name": "Smith", "gender": "male"},
     {"first_name": "Jaime", "last_name": "Soto", "gender": "male"},
     {"first_name": "小明", "last_name": "王", "gender": "male"}),
    ({"first_name": "Alex", "last_name": "Kim"}, {"first_name": "Alex", "last_name": "Ruiz"},
     {"first_name": "安", "last_name": "陈"}),
]  # fmt: skip
_DOCUMENTS = [("a copy of your ID", "una copia de su identificación", "身份证复印件"),
              ("your tax number", "su número de identificación fiscal", "税号"),
              ("the invoice", "la factura", "发票")]  # fmt: skip


def _example(name: str, r: random.Random) -> tuple[str, list[Any]]:
    """The type of variable ``name`` and its example in each language."""
    same = lambda value: [value] * 3  # noqa: E731
    if name == "customer":
        return "customer", list(r.choice(_CUSTOMERS))
    if name in ("order_id", "tracking_number", "carrier"):
        value = {"order_id": f"A-{r.randint(10000, 99999)}", "tracking_number": f"JD{r.randint(10**9, 10**10 - 1)}",
                 "carrier": r.choice(_CARRIERS)}[name]  # fmt: skip
        return "string", same(value)
    if name in ("product", "country"):
        return "string", list(r.choice(_PRODUCTS if name == "product" else _COUNTRIES))
    if name.endswith("_url"):
        return "url", same(f"https://shop.example.com/{name[:-4]}/{r.randint(100, 999)}")
    if name in ("amount", "price_difference"):
        return "money", same({"amount": round(r.uniform(4, 400), 2), "currency": r.choice(["USD", "EUR", "MXN"])})
    if name in ("delivery_date", "deadline"):
        return "date", same(f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")
    if name == "extra_days":
        low = r.randint(1, 5)
        return "duration", same({"min": low, "max": low + r.randint(1, 5), "unit": "business_day"})
    if name == "return_window":
        return "duration", same({"value": r.choice([14, 30, 60]), "unit": "day"})
    if name == "items":
        return "integer", same(r.randint(1, 6))
    if name == "discount":
        return "percent", same(r.choice([5, 10, 15, 20, 25]))
    if name == "alternatives":
        picked = r.sample(_PRODUCTS, 3)
        return "list", [[p[i] for p in picked] for i in range(3)]
    if name == "documents":
        picked = r.sample(_DOCUMENTS, 2)
        return "list", [[p[i] for p in picked] for i in range(3)]
    if name in ("returned", "express"):
        return "boolean", same(r.random() < 0.5)
    raise KeyError(name)


#: Sentences: the variables they use, then English, Spanish and Chinese.
CORES: list[tuple[tuple[str, ...], str, str, str]] = [
    (("order_id",), "Your order {{ order_id }} has left our warehouse.",
     "Su pedido {{ order_id }} ha salido de nuestro almacén.", "您的订单 {{ order_id }} 已从仓库发出。"),
    (("order_id", "carrier"), "We handed order {{ order_id }} to {{ carrier }} this morning.",
     "Esta mañana entregamos el pedido {{ order_id }} a {{ carrier }}.", "订单 {{ order_id }} 今天上午已交给{{ carrier }}。"),
    (("tracking_number", "tracking_url"), "The tracking number is {{ tracking_number }}; you can follow it at {{ tracking_url }}.",
     "El número de seguimiento es {{ tracking_number }}; puede seguirlo en {{ tracking_url }}.",
     "运单号是 {{ tracking_number }}，可在 {{ tracking_url }} 查询。"),
    (("delivery_date",), "It should arrive by {{ delivery_date }}.",
     "Debería llegar antes del {{ delivery_date }}.", "预计在 {{ delivery_date }} 前送达。"),
    (("delivery_date",), "The new delivery date is {{ delivery_date | date(\"medium\") }}.",
     "La nueva fecha de entrega es el {{ delivery_date | date(\"medium\") }}.",
     "新的送达日期是 {{ delivery_date | date(\"medium\") }}。"),
    (("extra_days", "country"), "Parcels to {{ country }} can take {{ extra_days }} longer at this time of year.",
     "Los paquetes a {{ country }} pueden tardar {{ extra_days }} más en esta época del año.",
     "每年这个时候，寄往{{ country }}的包裹可能会多花 {{ extra_days }}。"),
    (("extra_days",), "Customs usually adds {{ extra_days }} to the delivery time.",
     "La aduana suele sumar {{ extra_days }} al plazo de entrega.", "清关通常会让送达时间延长 {{ extra_days }}。"),
    (("amount",), "We have refunded {{ amount }} to your original payment method.",
     "Hemos reembolsado {{ amount }} a su método de pago original.", "我们已将 {{ amount }} 退回到您的原支付方式。"),
    (("amount",), "The total of {{ amount | money }} has been charged once.",
     "El total de {{ amount | money }} se ha cobrado una sola vez.", "总计 {{ amount | money }} 只扣款了一次。"),
    (("price_difference",), "The price difference of {{ price_difference }} will be returned within a week.",
     "La diferencia de precio de {{ price_difference }} se le devolverá en una semana.",
     "差价 {{ price_difference }} 将在一周内退还给您。"),
    (("items",), "Your parcel holds {{ items | plural(one=\"# item\", other=\"# items\") }}.",
     "Su paquete contiene {{ items | plural(one=\"# artículo\", other=\"# artículos\") }}.",
     "您的包裹里共有 {{ items | plural(other=\"# 件商品\") }}。"),
    (("items", "order_id"), "We could only pack {{ items | plural(one=\"# item\", other=\"# items\") }} of order {{ order_id }} so far.",
     "Hasta ahora solo pudimos empaquetar {{ items | plural(one=\"# artículo\", other=\"# artículos\") }} del pedido {{ order_id }}.",
     "订单 {{ order_id }} 目前只打包了 {{ items | plural(other=\"# 件\") }}。"),
    (("discount",), "As an apology, we have taken {{ discount | percent }} off your next order.",
     "Como disculpa, le descontamos un {{ discount | percent }} en su próximo pedido.",
     "为表歉意，您下次购物可减免 {{ discount | percent }}。"),
    (("discount", "product"), "The {{ product }} is {{ discount }} off until the end of the month.",
     "La {{ product }} tiene un {{ discount }} de descuento hasta fin de mes.",
     "{{ product }}本月底前享受 {{ discount }} 的折扣。"),
    (("product",), "The {{ product }} you asked about is back in stock.",
     "La {{ product }} por la que preguntó vuelve a estar disponible.", "您咨询的{{ product }}已经到货了。"),
    (("product", "product_url"), "You can see the {{ product | lower }} here: {{ product_url }}",
     "Puede ver la {{ product | lower }} aquí: {{ product_url }}", "可以在这里查看{{ product | lower }}：{{ product_url }}"),
    (("return_window",), "You can return any item within {{ return_window }} of delivery.",
     "Puede devolver cualquier artículo en un plazo de {{ return_window }} desde la entrega.",
     "签收后 {{ return_window }} 内可以退货。"),
    (("return_url",), "Start the return here and print the label: {{ return_url }}",
     "Inicie la devolución aquí e imprima la etiqueta: {{ return_url }}", "请在这里申请退货并打印面单：{{ return_url }}"),
    (("help_url",), "Our help page has more details: {{ help_url }}",
     "Nuestra página de ayuda tiene más detalles: {{ help_url }}", "帮助页面有更多说明：{{ help_url }}"),
    (("country",), "Import rules in {{ country }} changed recently, so checks take a little longer.",
     "Las normas de importación de {{ country }} cambiaron hace poco, así que los controles tardan algo más.",
     "{{ country }}的进口规定最近有调整，所以检查会稍慢一些。"),
    (("documents",), "Customs has asked for {{ documents | list }}.",
     "La aduana ha pedido {{ documents | list }}.", "海关要求提供{{ documents | list }}。"),
    (("alternatives",), "Similar items you may like are {{ alternatives | list(\"or\") }}.",
     "Artículos parecidos que pueden gustarle son {{ alternatives | list(\"or\") }}.",
     "您可能也喜欢{{ alternatives | list(\"or\") }}。"),
    (("carrier",), "{{ carrier | upper }} will call before delivery.",
     "{{ carrier | upper }} le llamará antes de la entrega.", "{{ carrier | upper }}会在派送前给您打电话。"),
    (("returned", "order_id"),
     "{% if returned %}The carrier returned order {{ order_id }} to us.{% else %}The carrier lost order {{ order_id }} in transit.{% endif %}",
     "{% if returned %}El transportista nos devolvió el pedido {{ order_id }}.{% else %}El transportista perdió el pedido {{ order_id }}.{% endif %}",
     "{% if returned %}承运商已将订单 {{ order_id }} 退回给我们。{% else %}承运商在运输中丢失了订单 {{ order_id }}。{% endif %}"),
    (("express",),
     "{% if express %}Express shipping is on us this time.{% else %}Standard shipping is free on this order.{% endif %}",
     "{% if express %}Esta vez el envío urgente corre de nuestra cuenta.{% else %}El envío estándar es gratuito en este pedido.{% endif %}",
     "{% if express %}这次的加急运费由我们承担。{% else %}本订单免标准运费。{% endif %}"),
    ((), "We checked the stock again this morning.", "Esta mañana volvimos a revisar el inventario.", "我们今天上午又核对了一次库存。"),
    ((), "Our team packs every parcel by hand.", "Nuestro equipo empaqueta cada paquete a mano.", "我们的团队会手工打包每一个包裹。"),
    ((), "We are sorry for the trouble this has caused.", "Lamentamos las molestias que esto le ha causado.", "给您带来不便，我们深表歉意。"),
    ((), "Nothing else is needed from you for now.", "Por ahora no necesita hacer nada más.", "目前您无需再做任何操作。"),
    ((), "The warehouse works through the weekend this month.",
     "Este mes el almacén trabaja también los fines de semana.", "本月仓库周末也照常工作。"),
]  # fmt: skip
#: Lead-ins for a sentence (the sentence then starts in lower case in English and Spanish).
OPENERS = [
    ("Good news:", "Buenas noticias:", "好消息："), ("Just so you know,", "Para que lo sepa,", "特此告知，"),
    ("As promised,", "Como le prometimos,", "如约通知您，"), ("Quick update:", "Una breve actualización:", "最新进展："),
    ("After checking with the team,", "Tras consultarlo con el equipo,", "与团队核实后，"),
    ("For your records,", "Para su información,", "供您参考，"), ("One more thing:", "Una cosa más:", "另外，"),
]  # fmt: skip
CLOSERS = [
    ("Thank you for your patience.", "Gracias por su paciencia.", "感谢您的耐心等待。"),
    ("If anything is unclear, just reply to this email.", "Si algo no está claro, responda a este correo.",
     "如有任何疑问，请直接回复本邮件。"),
    ("We are happy to help with anything else.", "Con gusto le ayudamos con cualquier otra cosa.",
     "如需其他帮助，我们随时乐意效劳。"),
    ("Thank you for shopping with us.", "Gracias por comprar con nosotros.", "感谢您的惠顾。"),
    ("We will keep you posted.", "Le mantendremos informado.", "我们会随时通知您最新进展。"),
    ("Have a lovely week.", "Que tenga una buena semana.", "祝您一周愉快。"),
]  # fmt: skip
LOOP = (("alternatives",), "Here is what we can offer instead:\n{% for item in alternatives %}\n- {{ item }}\n{% endfor %}",
        "Esto es lo que podemos ofrecerle a cambio:\n{% for item in alternatives %}\n- {{ item }}\n{% endfor %}",
        "我们可以为您提供以下替代商品：\n{% for item in alternatives %}\n- {{ item }}\n{% endfor %}")  # fmt: skip
SUBJECT_HEADS = [("Update on", "Novedades sobre", "关于"), ("About", "Acerca de", "有关"), ("News on", "Noticias de", "最新消息："),
                 ("Your question about", "Su consulta sobre", "您咨询的"), ("A note on", "Una nota sobre", "说明：")]  # fmt: skip
SUBJECT_TOPICS = [
    (("order_id",), "your order {{ order_id }}", "su pedido {{ order_id }}", "您的订单 {{ order_id }}"),
    (("product",), "the {{ product }}", "la {{ product }}", "{{ product }}"),
    (("tracking_number",), "shipment {{ tracking_number }}", "el envío {{ tracking_number }}", "运单 {{ tracking_number }}"),
    (("country",), "delivery to {{ country }}", "la entrega a {{ country }}", "寄往{{ country }}的包裹"),
    ((), "your refund", "su reembolso", "您的退款"), ((), "your return", "su devolución", "您的退货"),
    ((), "your parcel", "su paquete", "您的包裹"), ((), "customs clearance", "el despacho de aduana", "清关"),
    ((), "your exchange", "su cambio", "您的换货"), ((), "your payment", "su pago", "您的付款"),
]  # fmt: skip
SUBJECT_TAILS = [
    ((), "", "", ""), ((), " (reply needed)", " (requiere respuesta)", "（需要回复）"),
    ((), " - next steps", " - próximos pasos", "——后续步骤"), ((), " from our team", " de nuestro equipo", "（来自客服团队）"),
    (("order_id",), " ({{ order_id }})", " ({{ order_id }})", "（{{ order_id }}）"),
    (("carrier",), " with {{ carrier }}", " con {{ carrier }}", "（{{ carrier }}）"),
]  # fmt: skip
SUBJECT_WHEN = [("", "", ""), (" today", " hoy", "（今日）"), (" this week", " esta semana", "（本周）"),
                (" - please read", " - por favor, léalo", "——请阅读")]  # fmt: skip
TOPICS = {
    "pre_sale": ["stock_question", "size_advice", "shipping_cost", "gift_wrap", "bulk_order", "availability"],
    "mid_sale": ["address_check", "payment_pending", "order_change", "split_shipment", "shipped", "delay"],
    "after_sale": ["refund_done", "return_label", "damaged_item", "wrong_item", "lost_parcel", "exchange"],
    "customs": ["import_tax", "inspection", "documents", "held_parcel", "clearance", "duties_paid"],
    "out_of_stock": ["back_in_stock", "alternatives", "preorder", "discontinued", "partial", "waitlist"],
    "review_request": ["feedback", "product_review", "service_review", "follow_up", "photo_review", "survey"],
}
TITLES = {
    "pre_sale": ("Question before buying", "Pregunta antes de comprar", "售前咨询"),
    "mid_sale": ("Order in progress", "Pedido en curso", "订单处理中"),
    "after_sale": ("After delivery", "Después de la entrega", "售后服务"),
    "customs": ("Customs", "Aduana", "海关"),
    "out_of_stock": ("Out of stock", "Sin existencias", "缺货"),
    "review_request": ("Asking for feedback", "Solicitud de opinión", "邀请评价"),
}


def _join(lead: tuple[str, ...], sentence: tuple[str, ...]) -> tuple[str, ...]:
    """A lead-in and a sentence in each language (the sentence lower-cased after it in en and es)."""
    out = []
    for i, (head, text) in enumerate(zip(lead, sentence, strict=True)):
        if i < 2 and text[:1].isupper():
            text = text[0].lower() + text[1:]
        out.append(head + ("" if i == 2 else " ") + text)
    return tuple(out)


Texts = tuple[str, ...]  # one text in each language
Drawn = tuple[frozenset[str], Texts]  # the variables a text uses, and the text


def _lead(r: random.Random, core: tuple[tuple[str, ...], str, str, str]) -> Drawn:
    """A sentence, with a lead-in now and then."""
    names, *texts = core
    if r.random() < 0.3:
        return frozenset(names), _join(r.choice(OPENERS), tuple(texts))
    return frozenset(names), tuple(texts)


def _paragraphs(r: random.Random, sentences: int) -> list[Drawn]:
    """``sentences`` different sentences in paragraphs of one to three."""
    drawn = [_lead(r, core) for core in r.sample(CORES, sentences)]
    out = []
    while drawn:
        size = min(r.choice([1, 1, 2, 3]), len(drawn))
        part, drawn = drawn[:size], drawn[size:]
        out.append(
            (
                frozenset().union(*(n for n, _ in part)),
                tuple(("" if i == 2 else " ").join(t[i] for _, t in part) for i in range(3)),
            )
        )
    return out


def _unique(make: Any, used: set[Texts]) -> Drawn:
    """What ``make()`` draws, drawn again until its text is not in ``used`` (then added to it)."""
    while (found := make())[1] in used:
        pass
    used.add(found[1])
    return found  # type: ignore[no-any-return]


def _key_texts(r: random.Random, used: dict[str, set[Any]]) -> tuple[set[str], dict[str, Texts]]:
    """The texts of one key by field (email.subject, email.body, chat, sms), in the three languages,
    none the same as another key's, and the variables they use."""
    parts = (SUBJECT_HEADS, SUBJECT_TOPICS, SUBJECT_TAILS, SUBJECT_WHEN)

    def subject() -> Drawn:
        head, (names, *topic), (more, *tail), when = (r.choice(p) for p in parts)
        return frozenset(names) | frozenset(more), tuple(
            head[i] + ("" if i == 2 else " ") + topic[i] + tail[i] + when[i] for i in range(3)
        )

    greet = r.random() < 0.85

    def body() -> Drawn:
        drawn = _paragraphs(r, r.randint(3, 7))
        if r.random() < 0.1:
            drawn.insert(r.randint(1, len(drawn)), (frozenset(LOOP[0]), LOOP[1:]))
        drawn.append((frozenset(), r.choice(CLOSERS)))
        ends = (["{{ greeting }}"], ["{{ sign_off }}"]) if greet else ([], [])
        return frozenset().union(*(n for n, _ in drawn)), tuple(
            "\n\n".join([*ends[0], *(t[i] for _, t in drawn), *ends[1]]) + "\n" for i in range(3)
        )

    fields = {"email.subject": _unique(subject, used["subject"]), "email.body": _unique(body, used["body"])}
    if r.random() < 0.6:
        names, chat = _unique(lambda: _paragraphs(r, r.randint(1, 2))[0], used["chat"])
        hello = ("{{ greeting }} ", "{{ greeting }} ", "{{ greeting }}") if greet else ("", "", "")
        fields["chat"] = names, tuple(hello[i] + chat[i] + "\n" for i in range(3))
    if r.random() < 0.1:
        short = [c for c in CORES if len(c[2]) < 60 and not any(m in c[1] for m in ("{%", "_url", "| list"))]

        def sms() -> Drawn:
            names, text = _lead(r, r.choice(short))
            after = r.choice([("", "", ""), *CLOSERS])
            return names, tuple(text[i] + (" " if after[i] and i < 2 else "") + after[i] for i in range(3))

        names, text = _unique(sms, used["sms"])
        fields["sms"] = names, tuple(t + "\n" for t in text)
    return set().union(*(n for n, _ in fields.values())), {field: t for field, (_, t) in fields.items()}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Texts of several lines as ``|`` blocks, as people write them; no aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _write(path: Path, entries: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(entries, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(text.replace("\n\n\n", "\n\n"), encoding="utf-8")


def make_catalogue(out: Path, keys: int, seed: int = 7) -> Path:
    """Write the catalogue to ``out`` (replaced): the shipped locale files and replykit.yaml, generated templates."""
    r = random.Random(seed)
    shipped = shipped_catalogue()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(shipped / "locales", out / "locales")
    shutil.copy(shipped / "replykit.yaml", out / "replykit.yaml")
    files: dict[str, dict[str, dict[str, Any]]] = {lang: {} for lang in LANGUAGES}  # language -> group -> entries
    used: dict[str, set[Any]] = {"subject": set(), "body": set(), "chat": set(), "sms": set()}
    groups = list(TOPICS)
    for n in range(keys):
        group = r.choice(groups)
        key = f"{group}.{r.choice(TOPICS[group])}_{n:04d}"
        names, texts = _key_texts(r, used)
        if "{{ greeting }}" in texts["email.body"][0]:
            names.add("customer")  # whom the greeting addresses
        examples = {name: _example(name, r) for name in sorted(names)}
        for i, language in enumerate(LANGUAGES):
            entry: dict[str, Any] = {"title": f"{TITLES[group][i]} {n}"}
            if language == "en":
                entry["description"] = f"Generated scenario {n} of the {group} group."
                entry["keywords"] = [*r.sample(TOPICS[group], 3), "order"]
            variables = {
                name: {"type": type_, "example": values[i]}
                for name, (type_, values) in examples.items()
                if language == "en" or values[i] != values[0]
            }
            if variables:
                entry["variables"] = variables
            entry["email"] = {"subject": texts["email.subject"][i], "body": texts["email.body"][i]}
            for channel in ("chat", "sms"):
                if channel in texts:
                    entry[channel] = texts[channel][i]
            files[language].setdefault(group, {})[key] = entry
    for group, entries in files["en"].items():
        _write(out / "templates" / "en" / f"{group}.yaml", entries)
    source = replykit.load(out)
    for language in LANGUAGES[1:]:
        for group, entries in files[language].items():
            for key, entry in entries.items():
                entry["source"] = source.template(key).revision()
            _write(out / "templates" / language / f"{group}.yaml", entries)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    make_catalogue(args.out, args.keys, args.seed)
    print(f"wrote {args.keys} keys x {len(replykit.load(args.out).languages)} languages to {args.out}")


if __name__ == "__main__":
    main()
