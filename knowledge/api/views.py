"""The public knowledge API (anonymous, rate-limited): articles, search, the consultation assistant, votes and
classes. ``POST /api/v1/consult/`` is the contract's name (SPEC.md); ``/api/v1/knowledge/consult/`` is the same."""

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from config.api import error_responses, request_object
from disputes.states import Category

from ..consult import disclaimer
from ..models import ConsultationLog
from ..selectors import article_get_published, article_list_published, article_search, lesson_list_published
from ..services import QUESTION_MAX, AlreadyVoted, consultation_ask, consultation_vote
from ..states import ArticleKind, ConsultChannel

SEARCH_MAX = 100


class _Public(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "knowledge"


class ArticleSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    kind = serializers.CharField(
        help_text="law（法律法规条文，原文引用）、policy（政策要点）、guide（办事指南）"
    )
    title = serializers.CharField(source="display_title")
    topic = serializers.CharField()
    source = serializers.CharField(source="source.title")
    number = serializers.CharField()
    summary = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    url = serializers.SerializerMethodField()

    class Meta:
        ref_name = "KnowledgeArticleSummary"

    def get_url(self, article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class ArticleListApi(ListAPIView, _Public):
    """Published articles: statute articles (quoted exactly), policy 要点 and guides; filter by ``kind``/``topic``."""

    serializer_class = ArticleSummarySerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="knowledge_article_list",
        tags=["knowledge"],
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ArticleKind.values, required=False),
            OpenApiParameter("topic", OpenApiTypes.STR, required=False),
        ],
        responses={200: ArticleSummarySerializer(many=True), **error_responses(400, 429)},
        auth=[],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        kind = self.request.query_params.get("kind") or None
        if kind and kind not in ArticleKind.values:
            raise exceptions.ValidationError({"kind": [_("类型只能是 law、policy 或 guide。")]})
        return article_list_published(kind=kind, topic=self.request.query_params.get("topic") or None)


class ArticleDetailApi(_Public):
    """One published article with its full text and its source (issuer, dates, how the text was checked)."""

    class OutputSerializer(ArticleSummarySerializer):
        body = serializers.CharField()
        quote_note = serializers.CharField()
        source_check = serializers.CharField()
        issuer = serializers.CharField(source="source.issuer")
        effective_on = serializers.DateField(source="source.effective_on", allow_null=True)
        version_note = serializers.CharField(source="source.version_note")
        verified_against = serializers.CharField(source="source.verified_against")
        updated_at = serializers.DateTimeField()

        class Meta:
            ref_name = "KnowledgeArticle"

    @extend_schema(
        operation_id="knowledge_article_detail",
        tags=["knowledge"],
        responses={200: OutputSerializer, **error_responses(404, 429, s404="没有这篇文章")},
        auth=[],
    )
    def get(self, request, slug: str):
        article = article_get_published(slug=slug)
        if article is None:
            raise Http404
        return Response(self.OutputSerializer(article, context={"request": request}).data)


class ArticleSearchApi(_Public):
    """Search in Chinese (jieba words, character bigrams, BM25, a colloquial/typo dictionary), best first."""

    class OutputSerializer(ArticleSummarySerializer):
        score = serializers.FloatField()

        class Meta:
            ref_name = "KnowledgeSearchHit"

    @extend_schema(
        operation_id="knowledge_search",
        tags=["knowledge"],
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": SEARCH_MAX, "pattern": r"\S"},
                required=True,
                description=f"检索词（至多 {SEARCH_MAX} 字）",
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, required=False, description="返回条数（1–20，默认10）"
            ),
        ],
        responses={200: OutputSerializer(many=True), **error_responses(400, 429)},
        auth=[],
    )
    def get(self, request):
        query = (request.query_params.get("q") or "").strip()
        if not query:
            raise exceptions.ValidationError({"q": [_("请输入检索词。")]})
        if len(query) > SEARCH_MAX:
            raise exceptions.ValidationError({"q": [_("检索词请不要超过 %(n)d 个字。") % {"n": SEARCH_MAX}]})
        try:
            limit = min(max(int(request.query_params.get("limit", 10)), 1), 20)
        except ValueError:
            raise exceptions.ValidationError({"limit": [_("请填写 1 到 20 之间的整数。")]}) from None
        hits = article_search(query=query, limit=limit)
        data = []
        for article, score in hits:
            row = ArticleSummarySerializer(article, context={"request": request}).data
            row["score"] = round(score, 3)
            data.append(row)
        return Response(data)


class CitationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    excerpt = serializers.CharField()
    kind = serializers.CharField()

    class Meta:
        ref_name = "KnowledgeCitation"


class DeadlineHintSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="期限规则代码（DeadlineRule.code）")
    name = serializers.CharField()
    starts_on = serializers.DateField()
    due_on = serializers.DateField()
    provisional = serializers.BooleanField(help_text="跨越尚无确认节假日安排的年度，届满日可能变化")
    state = serializers.CharField(help_text="open, due_soon, overdue")
    state_label = serializers.CharField()
    text = serializers.CharField()
    source = serializers.CharField()

    class Meta:
        ref_name = "KnowledgeDeadlineHint"


class ConsultApi(APIView):
    """Ask the consultation assistant. The answer cites the retrieved articles (with links), names the likely
    dispute category, states the limitation deadlines for the dates given (from the deadline engine), and says it
    is not legal advice. The question is logged with personal data removed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "consult"

    class InputSerializer(serializers.Serializer):
        question = serializers.CharField(max_length=QUESTION_MAX, help_text="劳动者用自己的话写的问题")
        event_date = serializers.DateField(
            required=False, help_text="事情发生的日期（计算仲裁时效的起点，可不填）"
        )
        left_on = serializers.DateField(required=False, help_text="离职日期（仍在职则不填）")

        class Meta:
            ref_name = "ConsultQuestion"

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField(help_text="本次咨询的编号：评价回答时使用")
        answer = serializers.CharField()
        citations = CitationSerializer(many=True)
        category = serializers.CharField(
            help_text="争议类别代码（与申请调解的 categories 相同）：" + "、".join(Category.values)
        )
        category_display = serializers.CharField()
        deadlines = DeadlineHintSerializer(many=True)
        start_claim_url = serializers.CharField(help_text="申请调解表单，争议类别已选好")
        ask_person_url = serializers.CharField(help_text="申请调解表单，已勾选法律援助")
        disclaimer = serializers.CharField()
        provider = serializers.CharField(help_text="retrieval（仅检索）或所配置的语言模型")

        class Meta:
            ref_name = "ConsultAnswer"

    @extend_schema(
        operation_id="knowledge_consult",
        tags=["knowledge"],
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 415, 429)},
        auth=[],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            answer, log = consultation_ask(
                question=data["question"],
                channel=ConsultChannel.API,
                event_date=data.get("event_date"),
                left_on=data.get("left_on"),
            )
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from exc
        body = {
            "id": log.public_id,
            "answer": answer.answer,
            "citations": [{**c.__dict__, "url": request.build_absolute_uri(c.url)} for c in answer.citations],
            "category": answer.category,
            "category_display": answer.category_label,
            "deadlines": [d.__dict__ for d in answer.deadlines],
            "start_claim_url": request.build_absolute_uri(answer.start_claim_url),
            "ask_person_url": request.build_absolute_uri(answer.ask_person_url),
            "disclaimer": disclaimer(),
            "provider": answer.provider,
        }
        return Response(self.OutputSerializer(body).data)


class ConsultContractApi(ConsultApi):
    """The same operation at the contract's path, ``POST /api/v1/consult/`` (SPEC.md)."""

    @extend_schema(
        operation_id="consult",
        tags=["knowledge"],
        request=ConsultApi.InputSerializer,
        responses={200: ConsultApi.OutputSerializer, **error_responses(400, 415, 429)},
        auth=[],
    )
    def post(self, request):
        return super().post(request)


class ConsultVoteApi(APIView):
    """Rate an answer once: helpful or not (officials review the not-helpful ones)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "consult"

    class InputSerializer(serializers.Serializer):
        helpful = serializers.BooleanField()

        class Meta:
            ref_name = "ConsultVote"

    @extend_schema(
        operation_id="knowledge_consult_vote",
        tags=["knowledge"],
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="已记录"),
            **error_responses(400, 404, 409, 415, 429, s404="没有这次咨询", s409="已经评价过"),
        },
        auth=[],
    )
    def post(self, request, consultation_id: uuid.UUID):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            consultation_vote(public_id=consultation_id, helpful=serializer.validated_data["helpful"])
        except ConsultationLog.DoesNotExist:
            raise Http404 from None
        except AlreadyVoted as exc:
            return Response({"detail": str(exc), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonListApi(ListAPIView, _Public):
    """Legal-education classes by topic, with how often each was read."""

    filter_backends: list = []
    pagination_class = None

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        topic = serializers.CharField()
        title = serializers.CharField()
        summary = serializers.CharField()
        video_url = serializers.CharField()
        view_count = serializers.IntegerField()
        url = serializers.CharField(source="get_absolute_url")

        class Meta:
            ref_name = "KnowledgeLesson"

    serializer_class = OutputSerializer

    @extend_schema(
        operation_id="knowledge_lesson_list",
        tags=["knowledge"],
        responses={200: OutputSerializer(many=True), **error_responses(429)},
        auth=[],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return lesson_list_published()
