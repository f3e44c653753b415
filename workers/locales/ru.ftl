# What the assistant says to shoppers, in Russian (voice.md: «вы», answer first, short,
# concrete, no bureaucratic phrasing). Families with several wordings are numbered
# (`greeting-1`, `greeting-2`, …): a conversation never hears the same one twice in a row.
# Every other catalogue has every message of this one, with the same variables.

## Common pieces

list-and = { $first } и { $last }
days = { $count } { $count ->
    [one] день
    [few] дня
   *[many] дней
}
date-day-month = { $day } { $month ->
    [1] января
    [2] февраля
    [3] марта
    [4] апреля
    [5] мая
    [6] июня
    [7] июля
    [8] августа
    [9] сентября
    [10] октября
    [11] ноября
   *[12] декабря
}
zone-moscow = по московскому времени
zone-named = по времени { $zone }
hours-span = с { $from }:00 до { $to }:00 { $zone }
quote-in-russian = Вот что сказано в правилах магазина:

## Greetings, thanks, small talk

greeting-1 = Здравствуйте! Чем могу помочь?
greeting-2 = Добрый день! Напишите, пожалуйста, ваш вопрос — я помогу.
greeting-3 = Здравствуйте! Слушаю вас.
greeting-warm-1 = Здравствуйте! Спасибо, что написали. Чем могу помочь?
greeting-warm-2 = Добрый день! С радостью помогу — напишите, пожалуйста, ваш вопрос.
thanks-1 = Пожалуйста! Если появятся вопросы — пишите.
thanks-2 = Рады помочь. Хорошего дня!
thanks-3 = Обращайтесь! Всего доброго.
thanks-concise-1 = Пожалуйста.
thanks-concise-2 = Всего доброго.
thanks-warm-1 = Пожалуйста, были рады помочь! Если появятся вопросы — пишите в любое время.
thanks-warm-2 = Спасибо и вам! Хорошего дня.
warm-closing-1 = Хорошего вам дня!
warm-closing-2 = Будем рады помочь, если появятся ещё вопросы.
closing-help = Если что-то не получится, напишите — помогу.
closing-refund = Если этот срок уже прошёл, напишите — передам вопрос сотруднику, он проверит платёж.
no-news-1 = Хорошо, больше не буду писать вам первым о статусе заказов. На ваши вопросы отвечу как обычно.
news-intro = Новости по вашему заказу.
identity-1 = Я виртуальный помощник магазина. Если удобнее общаться с сотрудником, напишите «позовите сотрудника» — я передам ему ваш вопрос.
other-1 = С этим помочь не смогу, но с радостью отвечу на вопросы о заказах, товарах, доставке, возврате и обмене в нашем магазине.
other-2 = Я отвечаю на вопросы о заказах и товарах нашего магазина. Подскажите, что вас интересует?
no-contacts-1 = Правила маркетплейса не разрешают обмениваться контактами в этом чате, но здесь я отвечу на любой вопрос о заказе или товаре — и подключу сотрудника, если понадобится.
no-contacts-2 = В чате маркетплейса мы не можем делиться телефоном или мессенджерами — таковы его правила. Напишите ваш вопрос здесь, и мы поможем.
clarify-1 = Уточните, пожалуйста, что вас интересует: статус заказа, возврат или обмен, наличие или характеристики товара?
clarify-2 = Не совсем понятно, о чём вопрос. Напишите, пожалуйста, чуть подробнее — например, номер заказа или артикул товара.
attachment-1 = Спасибо, файл получен. Напишите, пожалуйста, ваш вопрос текстом — так я смогу помочь быстрее.
hours-1 = Сотрудники магазина отвечают { $hours }. Я на связи круглосуточно и помогу с заказами и товарами в любое время.
hours-2 = Операторы работают { $hours }, а на вопросы о заказах и товарах я отвечаю в любое время.
hours-always-1 = Я отвечаю круглосуточно — пишите в любое время. Если понадобится сотрудник магазина, я передам ему ваш вопрос.
hours-always-2 = Писать можно в любое время: я на связи круглосуточно, а если нужен человек — передам вопрос сотруднику магазина.

## Orders

order-status-1 = Заказ { $id } { $status }.
order-status-2 = По данным { $marketplace }, заказ { $id } { $status }.
order-pickup-point = Пункт выдачи: { $point }.
order-storage-until = Он будет храниться там до { $date }.
order-delivery-date = Ожидаемая дата доставки — { $date }.
order-tracking = Трек-номер: { $tracking }.
order-problem = Если нужна помощь с этим, напишите — подключу сотрудника.
order-private-details = Адрес пункта выдачи и другие подробности подскажу, когда вы назовёте товар из этого заказа: так я буду уверен, что заказ ваш.
ask-order-1 = Подскажите, пожалуйста, номер заказа — он есть в личном кабинете: на Wildberries в разделе «Доставки», на Ozon — в «Заказах».
ask-order-2 = Чтобы проверить заказ, пришлите, пожалуйста, его номер. На Wildberries он в разделе «Доставки», на Ozon — номер отправления в «Заказах».
ask-order-to-check = Подскажите номер заказа — проверю, можно ли отменить именно ваш.
unknown-order-1 = Заказ { $id } не нахожу среди заказов нашего магазина. Проверьте, пожалуйста, номер — возможно, в нём опечатка или заказ оформлен у другого продавца.
unknown-order-2 = По номеру { $id } заказа у нас не видно. Пришлите, пожалуйста, номер ещё раз — я проверю.
ownership-retry-1 = В заказе { $id } такого товара не нахожу. Проверьте, пожалуйста, и назовите товар из этого заказа — тогда подскажу подробности.
ownership-not-confirmed-1 = Не получилось сопоставить ответ с товарами этого заказа, поэтому подробности не называю. Статус заказа я написал выше; если нужно больше, напишите «позовите сотрудника».
cancel-preparing = Заказ { $id } ещё не передан в доставку, поэтому его можно отменить самостоятельно: откройте заказ в приложении { $app } и нажмите «Отменить». Деньги вернутся на карту автоматически.
cancel-in-transit = Заказ { $id } уже в пути, отменить его в приложении не получится. Вы можете просто не забирать его или отказаться при получении в пункте выдачи — деньги вернутся автоматически.
cancel-at-pickup-point = Заказ { $id } уже в пункте выдачи. Если он не нужен, просто откажитесь от него при получении или не забирайте — деньги вернутся автоматически.
cancel-received = Заказ { $id } уже получен, поэтому отменить его нельзя, но можно оформить возврат в приложении { $app } в разделе «Покупки».
cancel-cancelled = Заказ { $id } уже отменён, ничего делать не нужно: деньги вернутся автоматически.

## Order statuses: the rest of «Заказ 123 …»

status-wb-ready_for_pickup = уже ждёт вас в пункте выдачи — можно забирать
status-wb-sold = получен
status-wb-sorted = отсортирован на складе Wildberries и едет в пункт выдачи
status-wb-canceled = отменён, деньги вернутся автоматически
status-wb-canceled_by_client = отменён: от него отказались при получении
status-wb-declined_by_client = отменён в первый час после оформления
status-wb-defect = отменён из-за брака, деньги вернутся автоматически
status-wb-postponed_delivery = в пути: курьерскую доставку перенесли
status-wb-canceled_by_missed_call = отменён: курьеру не удалось дозвониться
status-wb-accepted_by_carrier = передан перевозчику
status-wb-sent_to_carrier = отправлен на склад перевозчика
status-wb-canceled_by_carrier = отменён перевозчиком, деньги вернутся автоматически
status-wb-supplier-new = оформлен, продавец скоро начнёт его собирать
status-wb-supplier-confirm = сейчас собирается на складе продавца
status-wb-supplier-complete = передан в доставку и едет к вам
status-wb-supplier-prepare = готов к выдаче в магазине
status-wb-supplier-receive = получен
status-wb-supplier-reject = отменён: от него отказались при получении
status-wb-supplier-cancel = отменён продавцом, деньги вернутся автоматически
status-wb-supplier-cancel_missed_call = отменён: не удалось дозвониться
status-wb-supplier-cancel_shelf_life = отменён: истёк срок хранения
status-wb-unknown = обрабатывается Wildberries
status-ozon-posting_in_pickup_point = уже ждёт вас в пункте выдачи — можно забирать
status-ozon-posting_on_way_to_pickup_point = едет в пункт выдачи
status-ozon-posting_on_way_to_city = в пути в ваш город
status-ozon-posting_in_courier_service = у курьера, он скоро привезёт заказ
status-ozon-posting_awaiting_passport_data = ждёт паспортные данные для таможни — их можно указать в приложении Ozon
status-ozon-posting_returned_to_warehouse = возвращается на склад
status-ozon-posting_split_pending = разделён на несколько отправлений
status-ozon-awaiting_registration = регистрируется в службе доставки
status-ozon-acceptance_in_progress = принимается на складе
status-ozon-awaiting_approve = ожидает подтверждения продавцом
status-ozon-awaiting_verification = создан
status-ozon-awaiting_packaging = сейчас собирается на складе продавца
status-ozon-awaiting_deliver = собран и ждёт передачи в доставку
status-ozon-arbitration = на рассмотрении: по нему идёт разбирательство
status-ozon-delivering = в пути
status-ozon-driver_pickup = у водителя, скоро будет у вас
status-ozon-delivered = доставлен
status-ozon-cancelled = отменён, деньги вернутся автоматически
status-ozon-cancelled_from_split_pending = разделён на несколько отправлений
status-ozon-not_accepted = задерживается: его не приняли на сортировочном центре
status-ozon-sent_by_seller = отправлен продавцом
status-ozon-unknown = обрабатывается Ozon

## Returns the marketplace knows about

return-pending = Заявка на возврат по заказу { $id }{ $product } оформлена { $opened } и пока на рассмотрении. Решение появится в личном кабинете { $app }.
return-approved = Заявка на возврат по заказу { $id }{ $product } одобрена { $changed }.
return-approved-kept = Заявка на возврат по заказу { $id }{ $product } одобрена { $changed }, товар остаётся у вас.
return-refunded = По возврату заказа { $id }{ $product } { $app } отметил возврат денег { $changed }{ $amount }.
return-rejected = Заявка на возврат по заказу { $id }{ $product } отклонена { $changed }.
return-in-progress-status = Возврат по заказу { $id }{ $product }: статус «{ $status }» с { $changed }.
return-in-progress = Возврат по заказу { $id }{ $product } оформлен { $opened } и сейчас в обработке.
return-disagree = Если вы не согласны с решением, напишите — передам обращение специалисту.

## Products

card-answer = В карточке «{ $title }» указано: { $fields }.
card-field = { $name } — { $value }
ask-article-1 = Подскажите, пожалуйста, артикул товара — он указан в карточке товара под названием.
ask-article-2 = Пришлите, пожалуйста, артикул товара из карточки — так я проверю точно.
unknown-article-1 = Товар с артикулом { $article } среди наших товаров не нахожу. Проверьте, пожалуйста, артикул в карточке товара.
stock-size-yes = Да, «{ $title }» в размере { $size } сейчас есть в наличии.
stock-size-no = Размера { $size } у «{ $title }» сейчас нет. В наличии: { $available }. Когда будет поступление, пока сказать не могу.
stock-size-not-made = У «{ $title }» нет размера { $size }: модель выпускается в размерах { $sizes }. Сейчас в наличии: { $available }.
stock-several-yes = В наличии есть «{ $title }» в размерах { $sizes }.
stock-several-no = Сейчас нет в наличии размеров { $sizes }.
restock-unknown = Когда будет поступление, у меня данных нет — передаю ваш вопрос сотруднику, он уточнит.
stock-sizes = «{ $title }» сейчас есть в наличии, размеры: { $available }.
stock-yes = Да, «{ $title }» сейчас есть в наличии.
stock-none = К сожалению, «{ $title }» сейчас нет в наличии. Когда будет поступление, пока сказать не могу.

## Sizes

size-labelled = { $size } ({ $ru } по российской сетке)
size-fits = По таблице размеров «{ $title }» при { $measures } подойдёт размер { $size }.
size-nearest = По таблице размеров «{ $title }» при { $measures } ближе всего размер { $size }.
size-split = По таблице размеров «{ $title }» { $parts }. Советую { $size }: так вещь не будет тесной.
size-not-sold = При { $measures } вам подошёл бы размер { $size }, но «{ $title }» продаётся только в размерах { $sizes }, поэтому советовать эту модель не буду.
size-maps = Российскому размеру { $ru } у этой модели соответствует размер { $size }.
size-not-offered = Но в этом размере модель не продаётся: есть только { $sizes }.
size-above-chart = Учтите: { $measure } — больше, чем предусматривает таблица этой модели (до { $limit } см), поэтому вещь может оказаться мала.
size-below-chart = Учтите: { $measure } — меньше, чем предусматривает таблица этой модели (от { $limit } см), поэтому вещь может оказаться велика.
size-in-stock = Сейчас он есть в наличии.
size-out-of-stock = Сейчас этого размера нет в наличии; есть { $available }.
size-none-in-stock = Сейчас этой модели нет в наличии ни в одном размере.
size-chart = Таблица размеров «{ $title }»:
    { $rows }
    Напишите { $asks }, и я подскажу размер.
size-chart-other-measures = В таблице «{ $title }» размеры подобраны по другим меркам:
    { $rows }
    Напишите { $asks }, и я подскажу размер.
size-by-height = по росту подходит { $size }
size-by-weight = по весу — { $size }
size-by-chest = по обхвату груди — { $size }
size-by-waist = по обхвату талии — { $size }
size-by-hips = по обхвату бёдер — { $size }
size-by-foot = по длине стопы — { $size }
size-by-head = по обхвату головы — { $size }
size-by-inseam = по длине ноги — { $size }
measure-height-at = росте { $value } см
measure-weight-at = весе { $value } кг
measure-chest-at = обхвате груди { $value } см
measure-waist-at = обхвате талии { $value } см
measure-hips-at = обхвате бёдер { $value } см
measure-foot-at = длине стопы { $value } см
measure-head-at = обхвате головы { $value } см
measure-inseam-at = длине ноги { $value } см
measure-height-is = рост { $value } см
measure-weight-is = вес { $value } кг
measure-chest-is = обхват груди { $value } см
measure-waist-is = обхват талии { $value } см
measure-hips-is = обхват бёдер { $value } см
measure-foot-is = длина стопы { $value } см
measure-head-is = обхват головы { $value } см
measure-inseam-is = длина ноги { $value } см
measure-height-name = рост
measure-weight-name = вес
measure-chest-name = обхват груди
measure-waist-name = обхват талии
measure-hips-name = обхват бёдер
measure-foot-name = длину стопы
measure-head-name = обхват головы
measure-inseam-name = длину ноги по внутреннему шву
chart-height = рост { $span }
chart-weight = вес { $span }
chart-chest = грудь { $span }
chart-waist = талия { $span }
chart-hips = бёдра { $span }
chart-foot = стопа { $span }
chart-head = голова { $span }
chart-inseam = шаговый шов { $span }

## Handoffs: a person will answer, and when

handoff-defect = Очень жаль, что так вышло. Пришлите, пожалуйста, фото товара и упаковки — передаю ваш вопрос сотруднику, он предложит замену или возврат.
handoff-payment = Вопросы оплаты лучше проверит сотрудник — передаю ему ваше сообщение вместе с историей переписки.
handoff-complaint = Понимаю, что ситуация неприятная. Передаю ваше обращение сотруднику, он разберётся лично.
handoff-human = Хорошо, подключаю сотрудника магазина.
handoff-refund = Передаю ваш вопрос о возврате денег сотруднику — он проверит платёж.
handoff-no-knowledge = Точного ответа у меня нет, а гадать не хочу — передаю ваш вопрос сотруднику магазина.
handoff-other = Передаю ваш вопрос сотруднику магазина, чтобы вам ответили точно.
handoff-when-soon = Сотрудник ответит здесь же в ближайшее время.
handoff-when-later = Сотрудник ответит здесь же в рабочее время, { $hours }.
acknowledge-1 = Здравствуйте! Передаю ваш вопрос сотруднику магазина — он ответит здесь же.
acknowledge-2 = Здравствуйте, спасибо за сообщение. Подключаю сотрудника: ответ придёт в этот чат.
acknowledge-3 = Добрый день! Ваш вопрос уже у сотрудника магазина, он ответит в этом чате.

## Reviews

review-thanks-1 = Спасибо за отзыв!
review-thanks-2 = Спасибо, что поделились впечатлениями!
review-thanks-3 = Благодарим за отзыв и оценку!
review-thanks-top-1 = Спасибо за высокую оценку!
review-thanks-top-2 = Спасибо за отзыв и пять звёзд!
review-thanks-top-3 = Благодарим за отличную оценку!
review-thanks-named-1 = { $name }, спасибо за отзыв!
review-thanks-named-2 = { $name }, благодарим за тёплые слова!
review-thanks-named-3 = { $name }, спасибо, что поделились впечатлениями!
review-liked-1 = Рады, что { $liked }.
review-liked-2 = Очень приятно, что { $liked }.
review-pleased-1 = Рады, что покупка вам понравилась.
review-pleased-2 = Приятно знать, что покупка оправдала ожидания.
review-remark-1 = Спасибо и за замечание { $about } — мы его учтём.
review-remark-2 = Замечание { $about } передадим команде, спасибо, что написали о нём.
review-size-chart-later-1 = В следующий раз подобрать размер поможет таблица в карточке товара.
review-closing-1 = Будем рады видеть вас снова!
review-closing-2 = Приятных покупок!
review-closing-3 = Пусть покупка радует как можно дольше!
review-sorry-size_small = Жаль, что вещь оказалась меньше, чем вы ожидали.
review-sorry-size_large = Жаль, что вещь оказалась велика.
review-sorry-size_off = Жаль, что размер не подошёл.
review-sorry-defect = Очень жаль, что вам попался товар с дефектом.
review-sorry-wrong_item = Приносим извинения: вам пришёл не тот товар.
review-sorry-colour_mismatch = Жаль, что цвет оказался не таким, как вы ожидали.
review-sorry-not_as_pictured = Жаль, что товар не совпал с вашими ожиданиями по описанию и фото.
review-sorry-smell = Жаль, что вас расстроил запах.
review-sorry-thin_material = Жаль, что ткань показалась вам слишком тонкой.
review-sorry-delivery_damage = Очень жаль, что товар пострадал при доставке.
review-sorry-late = Жаль, что заказ ехал дольше, чем хотелось бы.
review-sorry-poor_quality = Жаль, что качество вас разочаровало.
review-sorry-incomplete = Жаль, что в заказе чего-то не хватило.
review-sorry-uncomfortable = Жаль, что вещь оказалась неудобной.
review-sorry-other = Жаль, что покупка вас не порадовала.
review-sorry-general-1 = Жаль, что покупка вас не порадовала.
review-sorry-general-2 = Нам очень жаль, что товар не оправдал ожиданий.
review-size-chart-1 = Подобрать размер поможет таблица в карточке товара: она составлена по меркам тела.
review-returns = По правилам магазина: { $policy }
review-returns-chat-1 = Напишите нам, пожалуйста, в чат с продавцом — поможем разобраться с возвратом или заменой.
review-next-1 = Ваш отзыв уже у нашей команды — разберёмся, как такое произошло.
review-next-2 = Мы передали ваш отзыв ответственным за качество.
review-next-3 = Спасибо, что написали об этом: так мы быстрее исправим проблему.
review-tell-more-1 = Если расскажете в чате с продавцом, что именно не понравилось, мы постараемся помочь.
liked-quality = вам понравилось качество
liked-fit = размер подошёл
liked-colour = понравился цвет
liked-material = понравилась ткань
liked-warmth = вещь хорошо греет
liked-comfort = вам удобно
liked-price = цена вас порадовала
liked-delivery = заказ пришёл быстро
liked-packaging = понравилась упаковка
liked-looks = покупка смотрится так, как вы хотели
about-size_small = про размер
about-size_large = про размер
about-size_off = про размер
about-defect = про пошив
about-wrong_item = про комплектацию заказа
about-colour_mismatch = про цвет
about-not_as_pictured = про описание и фото
about-smell = про запах
about-thin_material = про ткань
about-delivery_damage = про упаковку при доставке
about-late = про сроки доставки
about-poor_quality = про качество
about-incomplete = про комплектацию
about-uncomfortable = про удобство
about-other = в отзыве

## For operators (summaries are in Russian whatever the shopper's language)

intent-greeting = приветствие
intent-thanks_bye = благодарность или прощание
intent-order_status = статус заказа
intent-order_cancel = отмена заказа
intent-return_request = возврат товара
intent-exchange_request = обмен
intent-refund_status = возврат денег
intent-defect_or_wrong_item = брак или не тот товар
intent-product_question = вопрос о товаре
intent-product_availability = наличие товара
intent-size_advice = подбор размера
intent-payment_issue = проблема с оплатой
intent-discount_promo = скидки и промокоды
intent-human_request = просит сотрудника
intent-complaint = жалоба
intent-other = другой вопрос
property-material = материал или состав
property-care = уход и стирка
property-country = страна производства
property-colour = цвет
property-colour_as_pictured = соответствие цвета фото
property-packaging = упаковка
property-warmth = на какую погоду
property-waterproof = защита от влаги и ветра
property-length = длина
property-dimensions = габариты
property-weight = вес
property-volume = объём
property-season = сезон
property-warranty = гарантия
property-dishwasher = мытьё в посудомоечной машине
property-compatibility = совместимость
property-equipment = комплектация
property-size_fit = соответствие размеру
property-shrinkage = усадка после стирки
